//go:build integration

package store

import "testing"

func TestAgainstPostgres(t *testing.T) {}
