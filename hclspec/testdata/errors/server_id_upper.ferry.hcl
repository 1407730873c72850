cutover "c" {
  source_server_id = "s-1234567890ABCDEF0" # ERROR: Invalid MGN source server ID
}
