# MGN source-server IDs are s- and 17 of [0-9a-zA-Z] (DESIGN §2/§5), upper case included.
cutover "c" {
  source_server_id = "s-1234567890ABCDEF0"
}
cutover "d" {
  source_server_id = "s-0a1B2c3D4e5F6g7H8"
}
