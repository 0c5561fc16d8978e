package runtime

import "time"

// Observer is told of every call a plugin's pool admits or refuses, for the host's
// metrics. It is given plain values (the plugin's name, the export, an outcome label
// from ErrKind.Outcome), so that no metrics library reaches this package. Its methods are
// called on the call's goroutine and must be cheap and safe for concurrent use.
type Observer interface {
	// ObserveCall reports one call: how it ended (Outcome), how long it ran on its
	// instance (zero when it never got one), and how long it waited for a free instance.
	ObserveCall(plugin, export, outcome string, ran, queued time.Duration)
}

// Outcome labels for Observer.ObserveCall: "ok", or ErrKind.Outcome of the failure.
const OutcomeOK = "ok"

// Outcome is the kind as a metric label: "guest_error", "trap", "timeout", "oom",
// "queue_timeout", "closed" or "no_export".
func (k ErrKind) Outcome() string {
	switch k {
	case KindGuest:
		return "guest_error"
	case KindTrap:
		return "trap"
	case KindTimeout:
		return "timeout"
	case KindOutOfMemory:
		return "oom"
	case KindExhausted:
		return "queue_timeout"
	case KindClosed:
		return "closed"
	case KindNoExport:
		return "no_export"
	}
	return "error"
}

// Outcomes lists every label ObserveCall may be given, for a metrics exporter that
// initialises its series.
var Outcomes = []string{OutcomeOK, "guest_error", "trap", "timeout", "oom", "queue_timeout", "closed", "no_export"}

// Stats is a snapshot of a plugin's pool.
type Stats struct {
	// Size is the most instances the pool runs (limits.instances).
	Size int
	// Busy instances are serving a call; Idle ones wait for one. Busy+Idle are the
	// instances alive.
	Busy, Idle int
	// MemoryPages is the memory the live instances held after their last call, in 64 KiB
	// pages: linear memory, the arena and what the module's declarations cost, each
	// charged to the instance's budget (limits.memory).
	MemoryPages uint64
	// MemoryLimitPages is limits.memory of one instance, in pages.
	MemoryLimitPages uint32
}

// Stats reports the pool's instances and their memory. It takes the pool's lock
// briefly and is safe while calls run.
func (p *Plugin) Stats() Stats {
	idle := len(p.idle)
	live := int(p.live.Load())
	var used uint64
	p.mu.Lock()
	for inst := range p.all {
		used += inst.used.Load()
	}
	p.mu.Unlock()
	busy := max(live-idle, 0)
	return Stats{Size: int(p.size), Busy: busy, Idle: idle, MemoryPages: (used + 65535) / 65536, MemoryLimitPages: p.memLimit}
}

// noteUsed records what the instance holds of its budget, read while the caller owns it
// (between calls), for Stats.
func (inst *instance) noteUsed() {
	inst.used.Store(inst.p.memBytes - inst.budget.left())
}
