cutover "c" {
  source_server_id = "s-1234567890abcdef0"
}
import {
  to = cutover.c # ERROR: Unsupported import target
  id = "x"
}
