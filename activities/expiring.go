package activities

import (
	"sync"
	"time"
)

// expiring is a map whose entries stop being answered once their time is up. The caches of this
// package keep their look-ups in it; it is safe for concurrent use and its zero value is ready.
type expiring[V any] struct {
	mu      sync.Mutex
	entries map[string]expiringEntry[V]
}

type expiringEntry[V any] struct {
	value   V
	expires time.Time
}

// get answers key if its entry has not expired at now, and drops an expired one.
func (m *expiring[V]) get(key string, now time.Time) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if ok && !now.Before(e.expires) {
		delete(m.entries, key)
		ok = false
	}
	return e.value, ok
}

// put remembers value under key until expires.
func (m *expiring[V]) put(key string, value V, expires time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.entries == nil {
		m.entries = map[string]expiringEntry[V]{}
	}
	m.entries[key] = expiringEntry[V]{value: value, expires: expires}
}

// dropExpired forgets every entry expired at now: an entry nobody asks for again is dropped only so.
func (m *expiring[V]) dropExpired(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, e := range m.entries {
		if !now.Before(e.expires) {
			delete(m.entries, k)
		}
	}
}

// dropIf forgets every entry whose value matches.
func (m *expiring[V]) dropIf(match func(V) bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, e := range m.entries {
		if match(e.value) {
			delete(m.entries, k)
		}
	}
}

// clockNow is now by the given clock, or by time.Now when it is nil (tests set one).
func clockNow(now func() time.Time) time.Time {
	if now != nil {
		return now()
	}
	return time.Now()
}
