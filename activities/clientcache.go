package activities

import (
	"sync"
	"time"
)

// ClientCache remembers, for a short time, which ClientSuccess client stands for a deal, so a
// batch does not look the same client up once per contact. Only found clients are cached: a deal
// whose client is created in ClientSuccess is seen on the next look-up. A cached client that was
// deleted meanwhile makes the upsert fail for good (the move is then rolled back) and is forgotten.
// It also remembers which deals HubSpot had, for the page plan: a batch reads each deal once per
// TTL, not once per page. It is safe for concurrent use; the zero TTL turns it off.
type ClientCache struct {
	TTL time.Duration
	Now func() time.Time // time.Now when nil; tests set it

	mu      sync.Mutex
	entries map[string]cachedClient
	deals   map[string]time.Time // deal id → when the sighting expires
}

type cachedClient struct {
	ref     ClientRef
	expires time.Time
}

// NewClientCache makes a cache whose entries live ttl; ttl ≤ 0 gives nil (no caching).
func NewClientCache(ttl time.Duration) *ClientCache {
	if ttl <= 0 {
		return nil
	}
	return &ClientCache{TTL: ttl}
}

func (c *ClientCache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// get returns the cached client of a deal, if it has not expired.
func (c *ClientCache) get(dealID string) (ClientRef, bool) {
	if c == nil {
		return ClientRef{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[dealID]
	if !ok || !c.now().Before(e.expires) {
		delete(c.entries, dealID)
		return ClientRef{}, false
	}
	return e.ref, true
}

// put remembers a found client.
func (c *ClientCache) put(dealID string, ref ClientRef) {
	if c == nil || !ref.Found {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]cachedClient{}
	}
	c.entries[dealID] = cachedClient{ref: ref, expires: c.now().Add(c.TTL)}
}

// forgetClient drops every deal that points at the client, once it is known to be gone.
func (c *ClientCache) forgetClient(clientID int64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for deal, e := range c.entries {
		if e.ref.ID == clientID {
			delete(c.entries, deal)
		}
	}
}

// dealSeen reports whether HubSpot had the deal less than TTL ago.
func (c *ClientCache) dealSeen(dealID string) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	expires, ok := c.deals[dealID]
	if ok && !c.now().Before(expires) {
		delete(c.deals, dealID)
		return false
	}
	return ok
}

// sawDeal remembers that HubSpot has the deal.
func (c *ClientCache) sawDeal(dealID string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.deals == nil {
		c.deals = map[string]time.Time{}
	}
	c.deals[dealID] = c.now().Add(c.TTL)
}
