package doctor

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/valkey-io/valkey-go"
)

// valkeyDialTimeout bounds connecting to Valkey; serve's own calls are bounded by VALKEY_TIMEOUT instead.
const valkeyDialTimeout = 5 * time.Second

// checkValkey measures Valkey and fills r.Valkey, or notes that VALKEY_URL is unset. Unlike serve, which
// starts without Valkey and reconnects in the background, doctor fails when a configured Valkey does not
// answer: that is what it is asked to find.
func checkValkey(ctx context.Context, url string, r *Report) {
	if url == "" {
		r.add("valkey", StatusOK, "VALKEY_URL is unset: caches are in-process only, and revocations reach only the process that made them")
		return
	}
	v := &Valkey{Host: "(unparseable VALKEY_URL)"}
	r.Valkey = v
	opt, err := valkey.ParseURL(url)
	if err != nil {
		v.Error = err.Error()
		r.add("valkey", StatusFail, "VALKEY_URL: "+err.Error())
		return
	}
	if len(opt.InitAddress) > 0 {
		v.Host = strings.Join(opt.InitAddress, ",")
	}
	fail := func(err error) {
		v.Error = err.Error()
		r.add("valkey", StatusFail, fmt.Sprintf("Valkey at %s: %v", v.Host, err))
	}
	// Plain commands only: no client-side caching, so servers without RESP3 answer too.
	opt.DisableCache = true
	opt.Dialer.Timeout = valkeyDialTimeout
	client, err := valkey.NewClient(opt)
	if err != nil {
		fail(fmt.Errorf("cannot connect: %w", err))
		return
	}
	defer client.Close()
	v.Reachable = true
	rtt, err := measure(ctx, Samples, func(ctx context.Context) error {
		return client.Do(ctx, client.B().Ping().Build()).Error()
	})
	if err != nil {
		fail(err)
		return
	}
	v.RTT = rtt
	info, err := client.Do(ctx, client.B().Info().Section("server").Build()).ToString()
	if err != nil {
		fail(fmt.Errorf("error reading INFO server: %w", err))
		return
	}
	v.Version = serverVersion(info)
	r.add("valkey", StatusOK, fmt.Sprintf("Valkey %s at %s: round trip %s median (%s–%s)",
		v.Version, v.Host, ms(rtt.Median), ms(rtt.Min), ms(rtt.Max)))
}

// serverVersion reads the version from INFO server: valkey_version on Valkey (which also reports a
// redis_version for compatibility), redis_version on Redis.
func serverVersion(info string) string {
	var redis string
	for line := range strings.Lines(info) {
		k, val, ok := strings.Cut(strings.TrimSpace(line), ":")
		switch {
		case !ok:
		case k == "valkey_version":
			return "valkey " + val
		case k == "redis_version":
			redis = "redis " + val
		}
	}
	return redis
}
