cutover "c" {
  source_server_id = "s-1234567890abcdef0"
}
cutover "d" {
  source_server_id = "s-1234567890abcdef0" # ERROR: Duplicate source server
}
