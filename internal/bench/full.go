package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// The full mode's flags.
var (
	nContacts   = flag.Int("contacts", 10000, "full: contacts (N)")
	mClients    = flag.Int("clients", 1000, "full: ClientSuccess clients / HubSpot deals (M)")
	moving      = flag.Float64("moving", 0.10, "full: fraction of contacts whose deal changed")
	concurrency = flag.Int("concurrency", 50, "full: SyncContacts children in flight")
	realisticN  = flag.Int("realistic-contacts", 500, "full: contacts for the realistic runs, over a tenth as many clients (0 skips them)")
	workers     = flag.Int("workers", 3, "full: worker processes of the second realistic run (the first has one)")
	latency     = flag.Duration("latency", 100*time.Millisecond, "full and webhooks: realistic latency per API call")
	hsLimit     = flag.Int("hubspot-per-10s", 190, "full: realistic HubSpot limit per 10 s")
	searchLimit = flag.Int("search-per-second", 5, "full: realistic HubSpot search limit per second")
	csLimit     = flag.Int("clientsuccess-per-second", 10, "full: realistic ClientSuccess limit per second")
	scaleN      = flag.Int("scale-contacts", 0, "full: also run N' contacts at zero latency and compare one worker's "+
		"peak RSS and the histories with N's (0 skips it; the check is 100000)")
)

func init() {
	register("full", mode{run: runFull,
		about: "a full run beside a plain loop, its no-change cost, realistic limits with 1 and K workers, scale"})
}

// Targets of the full mode (issue 15).
const (
	max429Share      = 0.01
	minBoundShare    = 0.90
	maxRSSRatio      = 1.5
	maxHistoryEvents = 10000
)

func runFull(ctx context.Context, env benchEnv) {
	fast := scenario{name: "zero latency, no limits", contacts: *nContacts, clients: *mClients, moving: *moving,
		concurrency: *concurrency, workers: 1}
	fmt.Printf("N=%d contacts over M=%d clients, %.0f%% moving; dev server %s\n\n",
		fast.contacts, fast.clients, fast.moving*100, env.server.FrontendHostPort())
	tFast, rerun, incremental := runTemporal(ctx, env, fast, true)
	sFast := runSequential(ctx, fast)
	reportBeside(fast, tFast, sFast)
	fmt.Println()
	reportNoChange(fast, rerun, incremental)

	if *realisticN > 0 {
		fmt.Println()
		lim := limits{hubspotPer10s: *hsLimit, searchPerSecond: *searchLimit, csPerSecond: *csLimit}
		real := scenario{
			name:     fmt.Sprintf("%s latency, HubSpot %d/10 s, search %d/s, ClientSuccess %d/s", *latency, *hsLimit, *searchLimit, *csLimit),
			contacts: *realisticN, clients: max(1, *realisticN/10), moving: *moving, latency: *latency, limits: lim, concurrency: *concurrency,
		}
		one, many := real, real
		one.workers, many.workers = 1, *workers
		tOne, _, _ := runTemporal(ctx, env, one, false)
		tMany, unchanged, _ := runTemporal(ctx, env, many, true)
		reportRealistic(real, tOne, tMany, runSequential(ctx, real))
		reportRealisticNoChange(many, unchanged)
	}

	if *scaleN > 0 {
		fmt.Println()
		big := fast
		big.contacts = *scaleN
		reportScale(fast, tFast, big, timed(func() figures { f, _, _ := runTemporal(ctx, env, big, false); return f }))
	}
}

// timed runs f and says how long it took on stderr: the large runs are heavy, and their wall time
// is worth noting.
func timed(f func() figures) figures {
	start := time.Now()
	fig := f()
	fmt.Fprintf(os.Stderr, "bench: run took %s wall time\n", time.Since(start).Round(time.Second))
	return fig
}

// reportBeside prints the worker's run beside the plain loop's.
func reportBeside(sc scenario, t, s figures) {
	fmt.Printf("== %s: %d contacts, %d changed\n", sc.name, t.synced, t.changed)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\tTemporal worker\tplain loop")
	row := func(name, format string, a, b any) { fmt.Fprintf(tw, "%s\t"+format+"\t"+format+"\n", name, a, b) }
	row("elapsed (s)", "%.1f", t.elapsed.Seconds(), s.elapsed.Seconds())
	row("contacts per second", "%.1f", t.perSecond(), s.perSecond())
	row("HubSpot calls per contact", "%.2f", per(t.hsCalls, t.synced), per(s.hsCalls, s.synced))
	row("ClientSuccess calls per contact", "%.2f", per(t.csCalls, t.synced), per(s.csCalls, s.synced))
	row("ClientSuccess writes per changed contact", "%.2f", per(t.csWrites, t.changed), per(s.csWrites, s.changed))
	row("answers 429 (HubSpot / ClientSuccess)", "%s", fmt.Sprintf("%d / %d", t.hs429, t.cs429), fmt.Sprintf("%d / %d", s.hs429, s.cs429))
	check(tw.Flush())
	fmt.Printf("throughput ratio, worker / plain loop: %.2f×\n", t.perSecond()/s.perSecond())
	fmt.Printf("worker peak RSS: %.1f MiB; largest history: %d events over %d executions\n", mib(t.peakRSS), t.maxHistory, t.executions)
}

// reportNoChange prints the reruns with nothing changed against the targets of a full run's cost.
func reportNoChange(sc scenario, full, incremental figures) {
	hsTarget, csTarget := int(math.Ceil(float64(sc.contacts)/200))+10, sc.clients+10
	writes := full.hsWrites + full.csWrites
	fmt.Printf("no-change full run (N=%d, M=%d): HubSpot calls %d (target ≤ %d: %s), "+
		"ClientSuccess calls %d (target ≤ %d: %s), writes %d (target 0: %s), %.1f s\n",
		sc.contacts, sc.clients, full.hsCalls, hsTarget, verdict(full.hsCalls <= hsTarget),
		full.csCalls, csTarget, verdict(full.csCalls <= csTarget), writes, verdict(writes == 0), full.elapsed.Seconds())
	fmt.Printf("  HubSpot calls by route: %s\n  ClientSuccess calls by route: %s\n", routes(full.hsRoutes), routes(full.csRoutes))
	fmt.Printf("incremental no-change run (N=%d): HubSpot calls %d, ClientSuccess calls %d, writes %d, %d contacts listed, %.1f s\n",
		sc.contacts, incremental.hsCalls, incremental.csCalls, incremental.hsWrites+incremental.csWrites, incremental.synced,
		incremental.elapsed.Seconds())
}

// reportRealistic prints the runs at realistic latency and limits with one worker and with K,
// beside the plain loop, against the rate-limit bound.
func reportRealistic(sc scenario, one, many, loop figures) {
	bound := minimumBound(sc, one.changed)
	fmt.Printf("== %s: N=%d contacts over M=%d clients, %d changed\n", sc.name, sc.contacts, sc.clients, one.changed)
	fmt.Printf("rate-limit bound from the minimum calls (%d searches, %d client lists, %d writes): %.2f contacts/s\n",
		searches(sc), sc.clients, minimumWrites(one.changed), bound)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\tK=1 worker\tK=%d workers\tplain loop\n", *workers)
	row := func(name string, value func(figures) string) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", name, value(one), value(many), value(loop))
	}
	row("elapsed (s)", func(f figures) string { return fmt.Sprintf("%.1f", f.elapsed.Seconds()) })
	row("contacts per second", func(f figures) string { return fmt.Sprintf("%.2f", f.perSecond()) })
	row("share of the bound from the minimum calls", func(f figures) string { return percent(f.perSecond() / bound) })
	row("share of the bound at the calls made", func(f figures) string { return percent(f.perSecond() / rateBound(f, sc.limits)) })
	row("calls (HubSpot / ClientSuccess)", func(f figures) string { return fmt.Sprintf("%d / %d", f.hsCalls, f.csCalls) })
	row("ClientSuccess writes", func(f figures) string { return fmt.Sprint(f.csWrites) })
	row("answered 429: HubSpot / ClientSuccess (share of calls)", func(f figures) string {
		return fmt.Sprintf("%d / %d (%s)", f.hs429, f.cs429, percent(f.share429()))
	})
	row("largest history (events)", func(f figures) string { return fmt.Sprint(f.maxHistory) })
	row("pacing: runs, largest history, reservations per call", func(f figures) string {
		return fmt.Sprintf("%d, %d, %.2f", f.paced.executions, f.paced.longest, per(int(f.paced.updates), f.hsCalls+f.csCalls))
	})
	check(tw.Flush())
	fmt.Printf("targets, K=%d: 429s %s of calls (target ≤ %s: %s); %s of the bound (target ≥ %s: %s); "+
		"%.2f× K=1's speed (target ≥ 1: %s)\n",
		*workers, percent(many.share429()), percent(max429Share), verdict(many.share429() <= max429Share),
		percent(many.perSecond()/bound), percent(minBoundShare), verdict(many.perSecond()/bound >= minBoundShare),
		many.perSecond()/one.perSecond(), verdict(many.perSecond() >= one.perSecond()))
	fmt.Printf("ClientSuccess calls by route, K=%d: %s\n", *workers, routes(many.csRoutes))
}

// reportRealisticNoChange prints the rerun with nothing changed at realistic limits against its bound.
func reportRealisticNoChange(sc scenario, f figures) {
	bound := minimumBound(sc, 0)
	fmt.Printf("no-change full run at these limits, K=%d: %.2f contacts/s, %s of its bound (%.2f contacts/s: %d searches, %d client lists); "+
		"calls %d / %d, 429s %s of calls\n", sc.workers, f.perSecond(), percent(f.perSecond()/bound), bound, searches(sc), sc.clients,
		f.hsCalls, f.csCalls, percent(f.share429()))
}

// reportScale compares one worker's peak memory and the histories at N and N'.
func reportScale(small scenario, tSmall figures, big scenario, tBig figures) {
	fmt.Printf("scale, zero latency, one worker: N=%d vs N=%d contacts over M=%d clients\n", big.contacts, small.contacts, big.clients)
	fmt.Printf("  contacts per second: %.1f vs %.1f (%.1f s vs %.1f s)\n",
		tBig.perSecond(), tSmall.perSecond(), tBig.elapsed.Seconds(), tSmall.elapsed.Seconds())
	ratio := float64(tBig.peakRSS) / float64(tSmall.peakRSS)
	fmt.Printf("  worker peak RSS: %.1f MiB vs %.1f MiB, ratio %.2f (target ≤ %.1f: %s)\n",
		mib(tBig.peakRSS), mib(tSmall.peakRSS), ratio, maxRSSRatio, verdict(ratio <= maxRSSRatio))
	fmt.Printf("  largest history: %d events over %d executions (target < %d: %s)\n", tBig.maxHistory, tBig.executions, maxHistoryEvents,
		verdict(tBig.maxHistory < maxHistoryEvents))
}

func searches(sc scenario) int { return int(math.Ceil(float64(sc.contacts) / 200)) }

// minimumWrites are the ClientSuccess writes the portal needs: a move is a create and a delete.
func minimumWrites(changed int) int { return 2 * changed }

// minimumBound is the most contacts per second the limits allow for the calls the workload cannot
// do without: one search per 200 contacts, one contact list per client, and the writes, each API
// at its limit at the same time.
func minimumBound(sc scenario, changed int) float64 {
	lim := sc.limits
	seconds := math.Max(float64(searches(sc))/float64(lim.searchPerSecond), float64(searches(sc))/(float64(lim.hubspotPer10s)/10))
	seconds = math.Max(seconds, float64(sc.clients+minimumWrites(changed))/float64(lim.csPerSecond))
	return float64(sc.contacts) / seconds
}

// rateBound is the most contacts per second the limits allow at the calls a run actually made.
func rateBound(t figures, lim limits) float64 {
	bound := math.Inf(1)
	if lim.hubspotPer10s > 0 && t.hsCalls > 0 {
		bound = math.Min(bound, float64(lim.hubspotPer10s)/10/per(t.hsCalls, t.synced))
	}
	if lim.searchPerSecond > 0 && t.hsSearches > 0 {
		bound = math.Min(bound, float64(lim.searchPerSecond)/per(t.hsSearches, t.synced))
	}
	if lim.csPerSecond > 0 && t.csCalls > 0 {
		bound = math.Min(bound, float64(lim.csPerSecond)/per(t.csCalls, t.synced))
	}
	return bound
}

// routes lists calls by route, most first.
func routes(by map[string]int) string {
	keys := slices.SortedFunc(maps.Keys(by), func(a, b string) int { return cmp.Or(by[b]-by[a], strings.Compare(a, b)) })
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, by[k]))
	}
	return strings.Join(parts, ", ")
}

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISSED"
}

func percent(share float64) string { return fmt.Sprintf("%.1f%%", 100*share) }

func mib(b int64) float64 { return float64(b) / (1 << 20) }
