cutover "c" {
  source_server_id = "s-123" # ERROR: Invalid MGN source server ID
}
