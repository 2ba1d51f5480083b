package cachetier_test

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/homekeep/homekeep/internal/cachetier"
)

// A cache still to come, such as each user's subscription limit, is a Tier with a key layout and a codec.
// Here it is in process (Conn is nil); with a valkeyconn.Conn the same code shares it between processes.
func ExampleTier() {
	ctx := context.Background()
	limits, err := cachetier.New(cachetier.Options[int64, int64]{
		Name: "subscription limits", Guard: cachetier.Generation, Codec: cachetier.Int64, TTL: time.Hour,
		Key:    func(user int64) string { return "subscription_limit_user:" + strconv.FormatInt(user, 10) },
		GenKey: func(user int64) string { return "subscription_limit_gen:" + strconv.FormatInt(user, 10) },
	})
	if err != nil {
		panic(err)
	}
	defer limits.Close()
	load := func(context.Context) (int64, error) {
		fmt.Println("read from PostgreSQL")
		return 3, nil
	}

	n, _ := limits.Load(ctx, 7, load)
	fmt.Println(n)
	n, _ = limits.Load(ctx, 7, load) // warm: no read
	fmt.Println(n)
	_ = limits.Invalidate(ctx, 7) // the subscription changed
	n, _ = limits.Load(ctx, 7, load)
	fmt.Println(n)
	// Output:
	// read from PostgreSQL
	// 3
	// 3
	// read from PostgreSQL
	// 3
}
