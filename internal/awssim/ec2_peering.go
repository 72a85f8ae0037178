package awssim

import (
	"net/netip"
	"time"
)

// peering is a VPC peering connection between two VPCs of the simulator's one account and
// region: requested pending-acceptance, then active, rejected or deleted. A connection that
// cannot be made (no such peer VPC, overlapping CIDRs) is created failed, as AWS reports it.
// Ended connections stay listed for the retention period.
type peering struct {
	ID            string     `json:"id"`
	RequesterVpc  string     `json:"requesterVpcId"`
	RequesterCIDR string     `json:"requesterCidr"`
	AccepterVpc   string     `json:"accepterVpcId"`
	AccepterCIDR  string     `json:"accepterCidr,omitempty"`
	Status        string     `json:"status"`
	Message       string     `json:"message"`
	GoneAt        *time.Time `json:"goneAt,omitempty"`
}

// live reports whether the connection still links its VPCs or may come to.
func (p *peering) live() bool {
	switch p.Status {
	case "pending-acceptance", "provisioning", "active":
		return true
	}
	return false
}

// end moves the connection to a final state, listed until the retention period is over.
func (p *peering) end(c *Call, status, message string) {
	gone := c.Now.Add(c.Delay(LatencyPeeringRetained))
	p.Status, p.Message, p.GoneAt = status, message, &gone
}

// sweepPeerings forgets the ended connections whose retention period is over.
func (r *ec2Region) sweepPeerings(now time.Time) {
	for id, p := range r.Peerings {
		if p.GoneAt != nil && !now.Before(*p.GoneAt) {
			r.Tags.Forget(id)
			delete(r.Peerings, id)
		}
	}
}

func (r *ec2Region) getPeering(id string) (*peering, error) {
	p, ok := r.Peerings[id]
	if !ok {
		return nil, Errorf("InvalidVpcPeeringConnectionID.NotFound", "The vpcPeeringConnection ID '%s' does not exist", id)
	}
	return p, nil
}

type peeringCIDRXML struct {
	CIDRBlock string `xml:"cidrBlock"`
}

type peeringVpcInfoXML struct {
	CIDRBlock    string           `xml:"cidrBlock,omitempty"`
	CIDRBlockSet []peeringCIDRXML `xml:"cidrBlockSet>item"`
	OwnerID      string           `xml:"ownerId"`
	Region       string           `xml:"region"`
	VpcID        string           `xml:"vpcId"`
}

type peeringXML struct {
	AccepterVpcInfo  peeringVpcInfoXML `xml:"accepterVpcInfo"`
	RequesterVpcInfo peeringVpcInfoXML `xml:"requesterVpcInfo"`
	Status           struct {
		Code    string `xml:"code"`
		Message string `xml:"message"`
	} `xml:"status"`
	TagSet                 []ec2Tag `xml:"tagSet>item"`
	VpcPeeringConnectionID string   `xml:"vpcPeeringConnectionId"`
}

func (r *ec2Region) vpcInfoXML(vpcID, cidr string) peeringVpcInfoXML {
	out := peeringVpcInfoXML{OwnerID: Account, Region: r.Name, VpcID: vpcID, CIDRBlock: cidr}
	if cidr != "" {
		out.CIDRBlockSet = []peeringCIDRXML{{cidr}}
	}
	return out
}

// accepterCIDR is the accepter's CIDR as AWS shows it: only once the connection is made.
func (p *peering) accepterCIDR() string {
	if p.Status == "active" || p.Status == "provisioning" {
		return p.AccepterCIDR
	}
	return ""
}

func (r *ec2Region) peeringXML(p *peering) peeringXML {
	out := peeringXML{
		AccepterVpcInfo:  r.vpcInfoXML(p.AccepterVpc, p.accepterCIDR()),
		RequesterVpcInfo: r.vpcInfoXML(p.RequesterVpc, p.RequesterCIDR),
		TagSet:           tagSet(r.Tags.Get(p.ID)), VpcPeeringConnectionID: p.ID,
	}
	out.Status.Code, out.Status.Message = p.Status, p.Message
	return out
}

// createVpcPeeringConnection requests a connection from VpcId to PeerVpcId. Only peers in
// the caller's own account and region are simulated.
func (s *ec2State) createVpcPeeringConnection(c *Call) (any, error) {
	r := s.region(c)
	requester, err := r.getVpc(c.Params.String("VpcId"))
	if err != nil {
		return nil, err
	}
	peerID := c.Params.String("PeerVpcId")
	if peerID == "" {
		return nil, Errorf("MissingParameter", "The request must contain the parameter PeerVpcId")
	}
	if owner := c.Params.String("PeerOwnerId"); owner != "" && owner != Account {
		return nil, Errorf("InvalidParameterValue", "awssim: peering with account %s is not simulated; only %s", owner, Account)
	}
	if region := c.Params.String("PeerRegion"); region != "" && region != c.Region {
		return nil, Errorf("InvalidParameterValue", "awssim: inter-Region peering (%s) is not simulated", region)
	}
	tags, err := tagSpecs(c.Params, "vpc-peering-connection")
	if err != nil {
		return nil, err
	}
	p := &peering{ID: NewID("pcx"), RequesterVpc: requester.ID, RequesterCIDR: requester.CIDR, AccepterVpc: peerID,
		Status: "pending-acceptance", Message: "Pending Acceptance by " + Account}
	if peer, ok := r.Vpcs[peerID]; !ok || overlap(requester.CIDR, peer.CIDR) {
		p.end(c, "failed", "Failed due to incorrect VPC-ID, Account ID, or overlapping CIDR range")
	} else {
		p.AccepterCIDR = peer.CIDR
	}
	r.Peerings[p.ID] = p
	r.Tags.Set(p.ID, tags)
	return struct {
		VpcPeeringConnection peeringXML `xml:"vpcPeeringConnection"`
	}{r.peeringXML(p)}, nil
}

func overlap(a, b string) bool {
	pa, errA := netip.ParsePrefix(a)
	pb, errB := netip.ParsePrefix(b)
	return errA == nil && errB == nil && pa.Overlaps(pb)
}

// peeringInState returns the connection named by the call if it is in one of states, from
// which the call moves it to state to.
func (r *ec2Region) peeringInState(c *Call, to string, states ...string) (*peering, error) {
	p, err := r.getPeering(c.Params.String("VpcPeeringConnectionId"))
	if err != nil {
		return nil, err
	}
	for _, s := range states {
		if p.Status == s {
			return p, nil
		}
	}
	return nil, Errorf("InvalidStateTransition", "Invalid state transition for %s, attempted to transition from %s to %s", p.ID, p.Status, to)
}

func (s *ec2State) acceptVpcPeeringConnection(c *Call) (any, error) {
	r := s.region(c)
	p, err := r.peeringInState(c, "active", "pending-acceptance")
	if err != nil {
		return nil, err
	}
	p.Status, p.Message = "active", "Active"
	return struct {
		VpcPeeringConnection peeringXML `xml:"vpcPeeringConnection"`
	}{r.peeringXML(p)}, nil
}

func (s *ec2State) rejectVpcPeeringConnection(c *Call) (any, error) {
	r := s.region(c)
	p, err := r.peeringInState(c, "rejected", "pending-acceptance")
	if err != nil {
		return nil, err
	}
	p.end(c, "rejected", "Rejected by "+Account)
	return ec2Return{Return: true}, nil
}

// deleteVpcPeeringConnection ends an active connection or withdraws a request; failed and
// rejected ones cannot be deleted, as on AWS.
func (s *ec2State) deleteVpcPeeringConnection(c *Call) (any, error) {
	r := s.region(c)
	p, err := r.peeringInState(c, "deleted", "pending-acceptance", "active")
	if err != nil {
		return nil, err
	}
	p.end(c, "deleted", "Deleted by "+Account)
	return ec2Return{Return: true}, nil
}

func (s *ec2State) describeVpcPeeringConnections(c *Call) (any, error) {
	r := s.region(c)
	page, next, err := describe(c, r, r.Peerings, "VpcPeeringConnectionId",
		idNotFound("InvalidVpcPeeringConnectionID.NotFound", "vpcPeeringConnection"),
		func(p *peering) func(string) ([]string, bool) {
			m := map[string][]string{
				"vpc-peering-connection-id": {p.ID}, "status-code": {p.Status}, "status-message": {p.Message},
				"requester-vpc-info.vpc-id": {p.RequesterVpc}, "requester-vpc-info.cidr-block": {p.RequesterCIDR},
				"requester-vpc-info.owner-id": {Account}, "accepter-vpc-info.vpc-id": {p.AccepterVpc},
				"accepter-vpc-info.cidr-block": nil, "accepter-vpc-info.owner-id": {Account},
			}
			if cidr := p.accepterCIDR(); cidr != "" {
				m["accepter-vpc-info.cidr-block"] = []string{cidr}
			}
			return fieldMap(m)
		}, pages5to1000)
	if err != nil {
		return nil, err
	}
	out := struct {
		Peerings  []peeringXML `xml:"vpcPeeringConnectionSet>item"`
		NextToken string       `xml:"nextToken,omitempty"`
	}{NextToken: next}
	for _, p := range page {
		out.Peerings = append(out.Peerings, r.peeringXML(p))
	}
	return out, nil
}
