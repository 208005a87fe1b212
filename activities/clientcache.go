package activities

import "time"

// ClientCache remembers, for a short time, which ClientSuccess client stands for a deal, so a
// batch does not look the same client up once per contact. Only found clients are cached: a deal
// whose client is created in ClientSuccess is seen on the next look-up. A cached client that was
// deleted meanwhile makes the upsert fail for good (the move is then rolled back) and is forgotten.
// It also remembers which deals HubSpot had, for the page plan: a batch reads each deal once per
// TTL, not once per page. It is safe for concurrent use; the zero TTL turns it off.
type ClientCache struct {
	TTL time.Duration
	Now func() time.Time // time.Now when nil; tests set it

	clients expiring[ClientRef] // by deal id
	deals   expiring[struct{}]  // deals HubSpot had, by id
}

// NewClientCache makes a cache whose entries live ttl; ttl ≤ 0 gives nil (no caching).
func NewClientCache(ttl time.Duration) *ClientCache {
	if ttl <= 0 {
		return nil
	}
	return &ClientCache{TTL: ttl}
}

// get returns the cached client of a deal, if it has not expired.
func (c *ClientCache) get(dealID string) (ClientRef, bool) {
	if c == nil {
		return ClientRef{}, false
	}
	return c.clients.get(dealID, clockNow(c.Now))
}

// put remembers a found client.
func (c *ClientCache) put(dealID string, ref ClientRef) {
	if c == nil || !ref.Found {
		return
	}
	c.clients.put(dealID, ref, clockNow(c.Now).Add(c.TTL))
}

// forgetClient drops every deal that points at the client, once it is known to be gone.
func (c *ClientCache) forgetClient(clientID int64) {
	if c == nil {
		return
	}
	c.clients.dropIf(func(ref ClientRef) bool { return ref.ID == clientID })
}

// dealSeen reports whether HubSpot had the deal less than TTL ago.
func (c *ClientCache) dealSeen(dealID string) bool {
	if c == nil {
		return false
	}
	_, ok := c.deals.get(dealID, clockNow(c.Now))
	return ok
}

// sawDeal remembers that HubSpot has the deal.
func (c *ClientCache) sawDeal(dealID string) {
	if c == nil {
		return
	}
	c.deals.put(dealID, struct{}{}, clockNow(c.Now).Add(c.TTL))
}
