ferry {}
ferry {} # ERROR: Duplicate ferry block
