package valkeyconn

import (
	"context"
	"time"

	"github.com/valkey-io/valkey-go"
	"go.opentelemetry.io/otel/trace"
)

const (
	// CallTimeout is the default bound on one call (VALKEY_TIMEOUT): Valkey sits next to the app, so anything
	// slower means it is in trouble. WithCallTimeout changes it for one connection.
	CallTimeout = 500 * time.Millisecond
	// Cooldown is how long calls fail fast after a connection failure.
	Cooldown = time.Second
)

// usable returns the client unless Valkey is not connected or cooling down after a failure.
func (c *Conn) usable() (valkey.Client, bool) {
	if time.Now().UnixNano() < c.downUntil.Load() {
		return nil, false
	}
	return c.Client()
}

// observe starts a cooldown when err is a connection failure rather than an answer from Valkey (a nil
// reply or a server error are answers).
func (c *Conn) observe(err error) {
	if err == nil || valkey.IsValkeyNil(err) {
		c.answered()
		return
	}
	if _, isReply := valkey.IsValkeyErr(err); isReply {
		c.answered()
		return
	}
	now := time.Now().UnixNano()
	c.downUntil.Store(now + int64(Cooldown))
	c.downSince.CompareAndSwap(0, now)
}

// answered records that Valkey answered a call over the network, which ends a run of failures.
func (c *Conn) answered() {
	if c.downSince.Load() != 0 {
		c.downSince.Store(0)
	}
}

// Do sends one command: one round trip.
func (c *Conn) Do(ctx context.Context, build func(valkey.Builder) valkey.Completed) valkey.ValkeyResult {
	cl, ok := c.usable()
	if !ok {
		return valkey.NewErrorResult(ErrUnavailable)
	}
	c.count(ctx)
	cmd := build(cl.B())
	ctx, span := c.startSpan(ctx, commandName(cmd), 1)
	ctx, cancel := context.WithTimeout(ctx, c.callTimeout)
	defer cancel()
	res := cl.Do(ctx, cmd)
	c.observe(res.Error())
	endSpan(span, res.Error())
	return res
}

// DoMulti pipelines commands: one round trip however many there are. The error is ErrUnavailable when not
// connected, else the first command's error (each result still carries its own).
func (c *Conn) DoMulti(ctx context.Context, build func(valkey.Builder) []valkey.Completed) ([]valkey.ValkeyResult, error) {
	cl, ok := c.usable()
	if !ok {
		return nil, ErrUnavailable
	}
	c.count(ctx)
	cmds := build(cl.B())
	var span trace.Span
	if len(cmds) > 0 {
		ctx, span = c.startSpan(ctx, commandName(cmds[0]), len(cmds))
	}
	ctx, cancel := context.WithTimeout(ctx, c.callTimeout)
	defer cancel()
	res := cl.DoMulti(ctx, cmds...)
	defer func() { endSpan(span, firstError(res)) }()
	var first error
	for _, r := range res {
		err := r.Error()
		c.observe(err)
		if first == nil {
			first = err
		}
	}
	return res, first
}

// DoCache reads through valkey-go's client-side cache: a hit is served from process memory (no round trip)
// and stays correct because the server pushes an invalidation when the key changes. ttl bounds how long the
// local copy may live.
func (c *Conn) DoCache(ctx context.Context, build func(valkey.Builder) valkey.Cacheable, ttl time.Duration) valkey.ValkeyResult {
	cl, ok := c.usable()
	if !ok {
		return valkey.NewErrorResult(ErrUnavailable)
	}
	start := time.Now()
	cmd := build(cl.B())
	// The name is read before sending: valkey-go recycles a command's storage once it has been answered.
	name := ""
	if c.tracer != nil {
		name = cacheableName(cmd)
	}
	tctx := ctx
	ctx, cancel := context.WithTimeout(ctx, c.callTimeout)
	defer cancel()
	res := cl.DoCache(ctx, cmd, ttl)
	hit := 0
	if res.IsCacheHit() {
		hit = 1
	}
	c.traceCacheRead(tctx, name, start, hit, 1, res.Error())
	if res.IsCacheHit() {
		c.cacheHits.Add(1)
		return res // served from process memory: says nothing about Valkey
	}
	c.cacheMisses.Add(1)
	c.count(ctx)
	c.observe(res.Error())
	return res
}

// RoundTrips returns how many network round trips this connection has made through Do, DoMulti, DoCache,
// DoMultiCache and Exec, except those made for background work (see Background).
func (c *Conn) RoundTrips() int64 { return c.roundTrips.Load() }

// BackgroundRoundTrips returns how many network round trips were made for background work.
func (c *Conn) BackgroundRoundTrips() int64 { return c.backgroundTrips.Load() }

// ClientCacheStats returns how many keys read through the client-side cache were answered from process
// memory (hits) and how many went to Valkey (misses), for the metrics' hit ratio.
func (c *Conn) ClientCacheStats() (hits, misses int64) {
	return c.cacheHits.Load(), c.cacheMisses.Load()
}

type backgroundKey struct{}

// Background marks ctx as work off the request path, such as a cache fill written after the response:
// its round trips are counted by BackgroundRoundTrips rather than RoundTrips, so a test that holds a request
// to its budget is not disturbed by a fill that happens to land meanwhile.
func Background(ctx context.Context) context.Context {
	return context.WithValue(ctx, backgroundKey{}, true)
}

// count records one round trip made with ctx.
func (c *Conn) count(ctx context.Context) {
	if ctx.Value(backgroundKey{}) != nil {
		c.backgroundTrips.Add(1)
		return
	}
	c.roundTrips.Add(1)
}

// DoMultiCache reads several keys through the client-side cache: one round trip for all the misses, none
// when every key is a hit.
func (c *Conn) DoMultiCache(ctx context.Context, ttl time.Duration, build func(valkey.Builder) []valkey.Cacheable) ([]valkey.ValkeyResult, error) {
	cl, ok := c.usable()
	if !ok {
		return nil, ErrUnavailable
	}
	start, tctx := time.Now(), ctx
	ctx, cancel := context.WithTimeout(ctx, c.callTimeout)
	defer cancel()
	cmds := build(cl.B())
	// The name is read before sending: valkey-go recycles a command's storage once it has been answered.
	name := ""
	if c.tracer != nil && len(cmds) > 0 {
		name = cacheableName(cmds[0])
	}
	cts := make([]valkey.CacheableTTL, len(cmds))
	for i, cmd := range cmds {
		cts[i] = valkey.CT(cmd, ttl)
	}
	res := cl.DoMultiCache(ctx, cts...)
	for _, r := range res {
		if !r.IsCacheHit() { // a hit is served from process memory: it says nothing about Valkey
			c.observe(r.Error())
		}
	}
	var hits int64
	for _, r := range res {
		if r.IsCacheHit() {
			hits++
		}
	}
	if len(cmds) > 0 {
		c.traceCacheRead(tctx, name, start, int(hits), len(res), firstError(res))
	}
	c.cacheHits.Add(hits)
	if misses := int64(len(res)) - hits; misses > 0 {
		c.cacheMisses.Add(misses)
		c.count(ctx)
	}
	return res, nil
}

// Exec runs a Lua script (EVALSHA, falling back to EVAL the first time): one round trip. Scripts make a
// read and a write atomic, such as a cache fill that must not land after an invalidation.
func (c *Conn) Exec(ctx context.Context, script *valkey.Lua, keys, args []string) valkey.ValkeyResult {
	cl, ok := c.usable()
	if !ok {
		return valkey.NewErrorResult(ErrUnavailable)
	}
	c.count(ctx)
	ctx, span := c.startSpan(ctx, "EVALSHA", 1)
	ctx, cancel := context.WithTimeout(ctx, c.callTimeout)
	defer cancel()
	res := script.Exec(ctx, cl, keys, args)
	c.observe(res.Error())
	endSpan(span, res.Error())
	return res
}
