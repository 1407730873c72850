provider "azure" {} # ERROR: Unknown provider
