package service

import (
	"context"
	"sync"
)

// hurryChannel returns a channel that closes when hurry does (a second signal) or when skip is called (start-up
// failed), whichever comes first, for httpserver.Drain.Hurry. Its goroutine ends with ctx.
func hurryChannel(ctx context.Context, hurry <-chan struct{}) (<-chan struct{}, func()) {
	ch := make(chan struct{})
	var once sync.Once
	skip := func() { once.Do(func() { close(ch) }) }
	if hurry != nil {
		go func() {
			select {
			case <-hurry:
				skip()
			case <-ctx.Done():
			}
		}()
	}
	return ch, skip
}
