package awssim

import (
	"time"
)

// natGateway keeps timestamps; its state is computed from the clock when read.
type natGateway struct {
	ID             string     `json:"id"`
	SubnetID       string     `json:"subnetId"`
	VpcID          string     `json:"vpcId"`
	Connectivity   string     `json:"connectivity"`
	AllocationID   string     `json:"allocationId,omitempty"`
	ENIID          string     `json:"eniId,omitempty"`
	CreateTime     time.Time  `json:"createTime"`
	AvailableAt    time.Time  `json:"availableAt"`
	DeleteTime     *time.Time `json:"deleteTime,omitempty"`
	DeletedAt      time.Time  `json:"deletedAt"`
	GoneAt         time.Time  `json:"goneAt"` // no longer listed at all
	FailureCode    string     `json:"failureCode,omitempty"`
	FailureMessage string     `json:"failureMessage,omitempty"`
}

func (n *natGateway) state(now time.Time) string {
	switch {
	case n.DeleteTime != nil && !now.Before(n.DeletedAt):
		return "deleted"
	case n.DeleteTime != nil:
		return "deleting"
	case now.Before(n.AvailableAt):
		return "pending"
	case n.FailureCode != "":
		return "failed"
	default:
		return "available"
	}
}

// sweep applies what is due: a deleted NAT gateway releases its interface (and with it the
// EIP association and the hold on the subnet), and is forgotten after the retention period;
// interfaces scheduled for release (see releaseENIAt) go when due, and so do ended VPC
// peering connections.
func (r *ec2Region) sweep(now time.Time) {
	for id, n := range r.NatGateways {
		if n.DeleteTime != nil && !now.Before(n.DeletedAt) && n.ENIID != "" {
			r.releaseENI(n.ENIID)
			n.ENIID = ""
		}
		if !n.GoneAt.IsZero() && !now.Before(n.GoneAt) {
			r.Tags.Forget(id)
			delete(r.NatGateways, id)
		}
	}
	r.sweepENIs(now)
	r.sweepPeerings(now)
}

type natGatewayAddressXML struct {
	AllocationID       string `xml:"allocationId,omitempty"`
	NetworkInterfaceID string `xml:"networkInterfaceId,omitempty"`
	PrivateIP          string `xml:"privateIp,omitempty"`
	PublicIP           string `xml:"publicIp,omitempty"`
	AssociationID      string `xml:"associationId,omitempty"`
	IsPrimary          bool   `xml:"isPrimary"`
	Status             string `xml:"status"`
}

type natGatewayXML struct {
	NatGatewayID     string                 `xml:"natGatewayId"`
	SubnetID         string                 `xml:"subnetId"`
	VpcID            string                 `xml:"vpcId"`
	State            string                 `xml:"state"`
	ConnectivityType string                 `xml:"connectivityType"`
	CreateTime       Timestamp              `xml:"createTime"`
	DeleteTime       *Timestamp             `xml:"deleteTime,omitempty"`
	FailureCode      string                 `xml:"failureCode,omitempty"`
	FailureMessage   string                 `xml:"failureMessage,omitempty"`
	Addresses        []natGatewayAddressXML `xml:"natGatewayAddressSet>item"`
	TagSet           []ec2Tag               `xml:"tagSet>item"`
}

func (r *ec2Region) natGatewayXML(n *natGateway, now time.Time) natGatewayXML {
	out := natGatewayXML{
		NatGatewayID: n.ID, SubnetID: n.SubnetID, VpcID: n.VpcID, State: n.state(now),
		ConnectivityType: n.Connectivity, CreateTime: Timestamp(n.CreateTime),
		FailureCode: n.FailureCode, FailureMessage: n.FailureMessage, TagSet: tagSet(r.Tags.Get(n.ID)),
	}
	if n.DeleteTime != nil {
		t := Timestamp(*n.DeleteTime)
		out.DeleteTime = &t
	}
	if n.FailureCode == "" {
		addr := natGatewayAddressXML{AllocationID: n.AllocationID, IsPrimary: true, Status: "succeeded"}
		if e, ok := r.ENIs[n.ENIID]; ok {
			addr.NetworkInterfaceID, addr.PrivateIP = e.ID, e.PrivateIP
		}
		if a, ok := r.Addresses[n.AllocationID]; ok && a.ENIID != "" && a.ENIID == n.ENIID {
			addr.PublicIP, addr.AssociationID = a.PublicIP, a.AssociationID
		}
		if out.State == "deleting" || out.State == "deleted" {
			addr.Status = "disassociating"
		}
		out.Addresses = []natGatewayAddressXML{addr}
	}
	return out
}

func (s *ec2State) createNatGateway(c *Call) (any, error) {
	r := s.region(c)
	token := c.Params.String("ClientToken")
	fp := Fingerprint(c.Params)
	if id, err := r.Tokens.Lookup("CreateNatGateway", token, fp); err != nil {
		return nil, err
	} else if n, ok := r.NatGateways[id]; ok {
		return createNatGatewayXML{ClientToken: token, NatGateway: r.natGatewayXML(n, c.Now)}, nil
	}
	sn, err := r.getSubnet(c.Params.String("SubnetId"))
	if err != nil {
		return nil, err
	}
	connectivity := c.Params.String("ConnectivityType")
	if connectivity == "" {
		connectivity = "public"
	}
	var eip *address
	switch connectivity {
	case "public":
		if c.Params.String("AllocationId") == "" {
			return nil, Errorf("MissingParameter", "The request must contain the parameter AllocationId")
		}
		if eip, err = r.getAddress(c.Params.String("AllocationId")); err != nil {
			return nil, err
		}
	case "private":
	default:
		return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter connectivityType is invalid.", connectivity)
	}
	tags, err := tagSpecs(c.Params, "natgateway")
	if err != nil {
		return nil, err
	}
	n := &natGateway{
		ID: NewID("nat"), SubnetID: sn.ID, VpcID: sn.VpcID, Connectivity: connectivity,
		CreateTime: c.Now, AvailableAt: c.Now.Add(c.Delay(LatencyNATGatewayCreate)),
	}
	// Like AWS, problems found while provisioning are not API errors: the gateway goes to
	// "failed" with a failure code, and disappears after the retention period.
	switch {
	case eip != nil && r.ENIs[eip.ENIID] != nil:
		n.FailureCode = "Resource.AlreadyAssociated"
		n.FailureMessage = "Elastic IP address [" + eip.AllocationID + "] is already associated"
	case connectivity == "public" && r.vpcIGW(sn.VpcID) == nil:
		n.FailureCode = "Gateway.NotAttached"
		n.FailureMessage = "Network " + sn.VpcID + " has no Internet gateway attached"
	}
	if eip != nil {
		n.AllocationID = eip.AllocationID
	}
	if n.FailureCode != "" {
		n.GoneAt = n.AvailableAt.Add(c.Delay(LatencyNATGatewayRetained))
	} else {
		e := r.newENI(sn, "nat_gateway", "Interface for NAT Gateway "+n.ID, nil)
		n.ENIID = e.ID
		if eip != nil {
			eip.ENIID, eip.AssociationID = e.ID, NewID("eipassoc")
		}
	}
	r.NatGateways[n.ID] = n
	r.Tags.Set(n.ID, tags)
	r.Tokens.Remember("CreateNatGateway", token, fp, n.ID)
	return createNatGatewayXML{ClientToken: token, NatGateway: r.natGatewayXML(n, c.Now)}, nil
}

type createNatGatewayXML struct {
	ClientToken string        `xml:"clientToken,omitempty"`
	NatGateway  natGatewayXML `xml:"natGateway"`
}

// natGatewayNotFound is AWS's one NatGatewayNotFound message, for Describe, Delete and routes.
func natGatewayNotFound(id string) *APIError {
	return Errorf("NatGatewayNotFound", "The Nat Gateway %s was not found", id)
}

func (r *ec2Region) getNatGateway(id string) (*natGateway, error) {
	n, ok := r.NatGateways[id]
	if !ok {
		return nil, natGatewayNotFound(id)
	}
	return n, nil
}

func (s *ec2State) describeNatGateways(c *Call) (any, error) {
	r := s.region(c)
	page, next, err := describe(c, r, r.NatGateways, "NatGatewayId", natGatewayNotFound,
		func(n *natGateway) func(string) ([]string, bool) {
			return fieldMap(map[string][]string{
				"nat-gateway-id": {n.ID}, "state": {n.state(c.Now)}, "subnet-id": {n.SubnetID}, "vpc-id": {n.VpcID},
			})
		}, pages5to1000)
	if err != nil {
		return nil, err
	}
	out := struct {
		NatGateways []natGatewayXML `xml:"natGatewaySet>item"`
		NextToken   string          `xml:"nextToken,omitempty"`
	}{NextToken: next}
	for _, n := range page {
		out.NatGateways = append(out.NatGateways, r.natGatewayXML(n, c.Now))
	}
	return out, nil
}

// deleteNatGateway starts an asynchronous delete: "deleting" until the delete latency has
// passed, then "deleted" (still listed) until the retention period ends.
func (s *ec2State) deleteNatGateway(c *Call) (any, error) {
	r := s.region(c)
	n, err := r.getNatGateway(c.Params.String("NatGatewayId"))
	if err != nil {
		return nil, err
	}
	if n.DeleteTime == nil {
		now := c.Now
		n.DeleteTime = &now
		n.DeletedAt = now.Add(c.Delay(LatencyNATGatewayDelete))
		if n.FailureCode != "" {
			n.DeletedAt = now
		}
		n.GoneAt = n.DeletedAt.Add(c.Delay(LatencyNATGatewayRetained))
		r.sweep(c.Now)
	}
	return struct {
		NatGatewayID string `xml:"natGatewayId"`
	}{n.ID}, nil
}
