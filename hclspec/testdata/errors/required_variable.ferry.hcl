variable "x" {} # ERROR: No value for required variable
