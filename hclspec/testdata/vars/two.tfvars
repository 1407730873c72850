c = "file2"
