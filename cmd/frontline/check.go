package main

import (
	"context"
	"errors"
)

func runCheck(ctx context.Context, args []string, e env) error {
	return errors.New("check: not implemented yet")
}
