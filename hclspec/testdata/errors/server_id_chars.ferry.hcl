cutover "c" {
  source_server_id = "s-1234567890abcdef_" # ERROR: Invalid MGN source server ID
}
