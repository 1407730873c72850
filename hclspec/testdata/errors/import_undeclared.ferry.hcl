import {
  to = subscription.zz # ERROR: Import to undeclared resource
  id = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa/22222222-2222-4222-8222-222222222222"
}
