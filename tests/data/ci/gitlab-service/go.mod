module gitlab.example.com/shop/orders

go 1.23
