cutover "c" {
  source_server_id = "s-1234567890abcdef0"
  max_lag = "P1M" # ERROR: Invalid max_lag
}
