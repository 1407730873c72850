cutover "a" {
  source_server_id = "s-1234567890abcdef0"
  depends_on = [cutover.b]
}
cutover "b" {
  source_server_id = "s-1234567890abcdef1"
  depends_on = [cutover.a] # ERROR: Dependency cycle
}
