cutover "c" {
  source_server_id = "s-1234567890abcdef0"
  max_lag = "5m" # ERROR: Invalid max_lag
}
