cutover "a" {
  source_server_id = "s-1234567890abcdef0"
  depends_on = [cutover.b["x"]] # ERROR: Reference to undeclared instance
}
cutover "b" {
  for_each = toset(["y"])
  source_server_id = "s-1234567890abcdef1"
}
