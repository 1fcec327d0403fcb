package main

import "os"

func main() {
	queue, ok := os.LookupEnv("SHOP_QUEUE")
	_ = os.Getenv("SHOP_WORKERS")
	_, _ = queue, ok
}
