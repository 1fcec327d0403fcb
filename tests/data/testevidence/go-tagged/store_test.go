package store

import "testing"

func TestGet(t *testing.T) {
	if Get("a") != "a" {
		t.Fail()
	}
}
