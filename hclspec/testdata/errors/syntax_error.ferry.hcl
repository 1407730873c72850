subscription "a" {
  customer_id =  # ERROR: Invalid expression
}
