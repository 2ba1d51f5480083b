package bench

import (
	"fmt"
	"slices"
)

// Targets of issue 11, as the verdicts apply them.
const (
	// oneTripMax is the largest multiple of the RTT that still counts as one round trip: two round trips one
	// after the other take at least 2.
	oneTripMax = 1.5
	// zeroTripMax is the largest multiple that counts as no round trip.
	zeroTripMax = 0.5
	// Goal 3: throughput at least 80% of the reference's, p99 at most 1.5 times its, peak RSS at most 60 MB
	// (taken as MiB, the unit /proc reports in).
	minRPSRatio = 0.8
	maxP99Ratio = 1.5
	maxRSSMiB   = 60
	// boardCacheSQL is the most statements per board request for which the board counts as served from a
	// cache.
	boardCacheSQL = 0.1
)

// Goal statuses.
const (
	Met         = "met"
	Missed      = "missed"
	NotMeasured = "not measured"
)

// ConditionalBoard is the request name of the board sent with If-None-Match.
const ConditionalBoard = "GET /api/tasks (If-None-Match)"

// EvaluateGoals gives the verdict on issue 11's goals 1 to 3 from what r measured.
func EvaluateGoals(r *Results) []Goal {
	return []Goal{goalOneTrip(r), goalZeroTrips(r), goalThroughput(r)}
}

// goalOneTrip: every authenticated read, in every state, within one RTT (PostgreSQL directly).
func goalOneTrip(r *Results) Goal {
	g := Goal{Number: 1, Title: "One round trip for every authenticated read, in every state"}
	worst, worstWhere, cells := 0.0, "", 0
	var misses []string
	for _, run := range r.Latency {
		if run.Pooler != PoolerNone {
			continue
		}
		for _, row := range run.Rows {
			if row.Request == ConditionalBoard {
				continue
			}
			for _, s := range States {
				c, ok := row.Cells[s.Key]
				if !ok {
					continue
				}
				cells++
				where := fmt.Sprintf("%s, %s, at %g ms", row.Request, s.Heading, run.ConfiguredRTTMs)
				if c.RTT > worst {
					worst, worstWhere = c.RTT, where
				}
				if c.RTT > oneTripMax {
					misses = append(misses, fmt.Sprintf("%s: %.2f RTT (%.1f ms, %g sql, %g Valkey)",
						where, c.RTT, c.Ms, c.SQL, c.Valkey))
				}
			}
		}
	}
	if cells == 0 {
		g.Status, g.Details = NotMeasured, []string{"no latency was measured against PostgreSQL directly"}
		return g
	}
	g.Details = append(g.Details, fmt.Sprintf("%d cells (request × state × RTT) against PostgreSQL directly; one "+
		"round trip means at most %.1f × RTT. Slowest: %s, %.2f RTT.", cells, oneTripMax, worstWhere, worst))
	if len(misses) == 0 {
		g.Status = Met
		return g
	}
	g.Status = Missed
	g.Details = append(g.Details, fmt.Sprintf("%d of %d cells take more than one round trip:", len(misses), cells))
	g.Details = append(g.Details, misses...)
	return g
}

// goalZeroTrips: an unchanged board (If-None-Match with the current tag) costs no statement and no round
// trip, warm, after idle and after a restart. Cold caches and a forgotten token need a statement to know
// the versions or the user, so they are not held to it.
func goalZeroTrips(r *Results) Goal {
	g := Goal{Number: 2, Title: "Zero round trips for an unchanged board"}
	states := []string{StateFirst, StateWarm, StateIdle1500, StateIdle60, StateIdle600}
	cells := 0
	var misses []string
	for _, run := range r.Latency {
		if run.Pooler != PoolerNone {
			continue
		}
		for _, row := range run.Rows {
			if row.Request != ConditionalBoard {
				continue
			}
			for _, s := range States {
				c, ok := row.Cells[s.Key]
				if !ok || !slices.Contains(states, s.Key) {
					continue
				}
				cells++
				if c.SQL > 0 || c.RTT > zeroTripMax || c.Status != 304 {
					misses = append(misses, fmt.Sprintf("%s at %g ms: status %d, %.1f ms = %.2f RTT, %g sql",
						s.Heading, run.ConfiguredRTTMs, c.Status, c.Ms, c.RTT, c.SQL))
				}
			}
		}
	}
	if cells == 0 {
		g.Status, g.Details = NotMeasured, []string{"the conditional board was not measured"}
		return g
	}
	g.Details = append(g.Details, fmt.Sprintf("%d cells of `%s` (first after a start, warm, after idle): each "+
		"must answer 304 with 0 sql in under %.1f × RTT.", cells, ConditionalBoard, zeroTripMax))
	if len(misses) == 0 {
		g.Status = Met
		return g
	}
	g.Status = Missed
	g.Details = append(g.Details, misses...)
	return g
}

// goalThroughput: at the defaults, ≥ 80% of the reference's req/s at c=32 and c=64, p99 ≤ 1.5× its, RSS ≤ 60
// MB; with the board cache warm, above the reference.
func goalThroughput(r *Results) Goal {
	g := Goal{Number: 3, Title: "Throughput at the defaults near a minimal server's"}
	if r.Throughput == nil || len(r.Throughput.Comparisons) == 0 {
		g.Status, g.Details = NotMeasured, []string{"throughput was not measured in this run (`make bench` does)"}
		return g
	}
	g.Status = Met
	sawCache, uncached := false, false
	miss := func(format string, args ...any) {
		g.Status = Missed
		g.Details = append(g.Details, "MISSED: "+fmt.Sprintf(format, args...))
	}
	for _, c := range r.Throughput.Comparisons {
		name := c.Server
		if name == "" {
			name = "Homekeep"
		}
		cached := c.Homekeep.SQLPerRequest <= boardCacheSQL
		target := fmt.Sprintf("≥ %.0f%%", 100*minRPSRatio)
		if cached {
			target = "above 100%, the board being served from its cache"
		}
		g.Details = append(g.Details, fmt.Sprintf("c=%d, %s (%.2f sql per board): %.0f req/s = %.0f%% of the "+
			"reference's %.0f (target %s); p99 %.1f ms = %.2f× the reference's %.1f ms (target ≤ %.1f×); peak RSS "+
			"%.1f MiB (target ≤ %d)", c.Concurrency, name, c.Homekeep.SQLPerRequest, c.Homekeep.RPS, 100*c.RPSRatio,
			c.Reference.RPS, target, c.Homekeep.P99Ms, c.P99Ratio, c.Reference.P99Ms, maxP99Ratio,
			c.Homekeep.PeakRSSMiB, maxRSSMiB))
		switch {
		case cached && c.RPSRatio <= 1:
			miss("c=%d, %s: with the board served from its cache, %.0f%% of the reference's req/s, not above it",
				c.Concurrency, name, 100*c.RPSRatio)
		case !cached && c.RPSRatio < minRPSRatio:
			miss("c=%d, %s: req/s %.0f%% of the reference's, %.0f points short", c.Concurrency, name,
				100*c.RPSRatio, 100*(minRPSRatio-c.RPSRatio))
		}
		if c.P99Ratio > maxP99Ratio {
			miss("c=%d, %s: p99 %.2f× the reference's, over the %.1f× allowed", c.Concurrency, name, c.P99Ratio,
				maxP99Ratio)
		}
		if c.Homekeep.PeakRSSMiB > maxRSSMiB {
			miss("c=%d, %s: peak RSS %.1f MiB, %.1f over %d", c.Concurrency, name, c.Homekeep.PeakRSSMiB,
				c.Homekeep.PeakRSSMiB-maxRSSMiB, maxRSSMiB)
		}
		if !cached {
			uncached = true
		} else {
			sawCache = true
		}
	}
	if !sawCache {
		g.Details = append(g.Details, "every board ran its statement: no board cache served it, so \"with the "+
			"board cache warm, above the minimal server\" is not measured")
	}
	if !uncached {
		g.Details = append(g.Details, "every board was served from the cache: the statement path was not "+
			"compared with the reference")
	}
	return g
}
