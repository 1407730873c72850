b = "file1"
c = "file1"
n = 2
unknown = 1
