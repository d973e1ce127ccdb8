package main

import (
	"context"
	"errors"
)

func runImport(ctx context.Context, args []string, e env) error {
	return errors.New("import: not implemented yet")
}
