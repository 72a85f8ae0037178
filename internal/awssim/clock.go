package awssim

import (
	"sync"
	"time"
)

// Clock tells the simulator what time it is. Transitions are computed from it lazily.
type Clock interface {
	Now() time.Time
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now().UTC() }

// ManualClock only moves when a test advances it.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a clock stopped at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t.UTC()} }

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Latency kinds understood by Sim.Delay. Services add their own kinds to the map.
const (
	LatencyNATGatewayCreate   = "ec2:natgateway:create"
	LatencyNATGatewayDelete   = "ec2:natgateway:delete"
	LatencyNATGatewayRetained = "ec2:natgateway:retained"             // a deleted NAT stays listed this long
	LatencyPeeringRetained    = "ec2:vpc-peering-connection:retained" // an ended connection stays listed this long
	LatencyLoadBalancerCreate = "elbv2:loadbalancer:create"
	LatencyECSSteadyState     = "ecs:service:steady"
)

// DefaultLatencies are realistic unscaled durations, roughly what AWS takes.
var DefaultLatencies = map[string]time.Duration{
	LatencyNATGatewayCreate:   90 * time.Second,
	LatencyNATGatewayDelete:   60 * time.Second,
	LatencyNATGatewayRetained: time.Hour,
	LatencyPeeringRetained:    2 * time.Hour,
	LatencyLoadBalancerCreate: 180 * time.Second,
	LatencyECSSteadyState:     60 * time.Second,
}

// unscaled kinds are retention periods, not waits: nobody waits for a deleted resource to
// stop being listed, and scaling them to zero would make it vanish inside its own delete call.
var unscaled = map[string]bool{LatencyNATGatewayRetained: true, LatencyPeeringRetained: true}
