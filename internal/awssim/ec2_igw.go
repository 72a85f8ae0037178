package awssim

type internetGW struct {
	ID    string `json:"id"`
	VpcID string `json:"vpcId,omitempty"`
}

type igwAttachmentXML struct {
	VpcID string `xml:"vpcId"`
	State string `xml:"state"`
}

type internetGatewayXML struct {
	InternetGatewayID string             `xml:"internetGatewayId"`
	OwnerID           string             `xml:"ownerId"`
	Attachments       []igwAttachmentXML `xml:"attachmentSet>item"`
	TagSet            []ec2Tag           `xml:"tagSet>item"`
}

func (r *ec2Region) igwXML(g *internetGW) internetGatewayXML {
	out := internetGatewayXML{InternetGatewayID: g.ID, OwnerID: Account, TagSet: tagSet(r.Tags.Get(g.ID))}
	if g.VpcID != "" {
		out.Attachments = []igwAttachmentXML{{VpcID: g.VpcID, State: "available"}}
	}
	return out
}

func (r *ec2Region) getIGW(id string) (*internetGW, error) {
	g, ok := r.IGWs[id]
	if !ok {
		return nil, Errorf("InvalidInternetGatewayID.NotFound", "The internetGateway ID '%s' does not exist", id)
	}
	return g, nil
}

// vpcIGW returns the internet gateway attached to a VPC, or nil.
func (r *ec2Region) vpcIGW(vpcID string) *internetGW {
	for _, g := range r.IGWs {
		if g.VpcID == vpcID {
			return g
		}
	}
	return nil
}

func (s *ec2State) createInternetGateway(c *Call) (any, error) {
	r := s.region(c)
	tags, err := tagSpecs(c.Params, "internet-gateway")
	if err != nil {
		return nil, err
	}
	g := &internetGW{ID: NewID("igw")}
	r.IGWs[g.ID] = g
	r.Tags.Set(g.ID, tags)
	return struct {
		InternetGateway internetGatewayXML `xml:"internetGateway"`
	}{r.igwXML(g)}, nil
}

func (s *ec2State) attachInternetGateway(c *Call) (any, error) {
	r := s.region(c)
	g, err := r.getIGW(c.Params.String("InternetGatewayId"))
	if err != nil {
		return nil, err
	}
	v, err := r.getVpc(c.Params.String("VpcId"))
	if err != nil {
		return nil, err
	}
	if g.VpcID != "" {
		return nil, Errorf("Resource.AlreadyAssociated", "resource %s is already attached to network %s", g.ID, g.VpcID)
	}
	if other := r.vpcIGW(v.ID); other != nil {
		return nil, Errorf("Resource.AlreadyAssociated", "Network %s already has an internet gateway attached", v.ID)
	}
	g.VpcID = v.ID
	return struct{}{}, nil
}

// detachInternetGateway fails while the VPC has public addresses mapped (an EIP on a NAT
// gateway's interface), as AWS does.
func (s *ec2State) detachInternetGateway(c *Call) (any, error) {
	r := s.region(c)
	g, err := r.getIGW(c.Params.String("InternetGatewayId"))
	if err != nil {
		return nil, err
	}
	vpcID := c.Params.String("VpcId")
	if _, err := r.getVpc(vpcID); err != nil {
		return nil, err
	}
	if g.VpcID != vpcID {
		return nil, Errorf("Gateway.NotAttached", "resource %s is not attached to network %s", g.ID, vpcID)
	}
	for _, a := range r.Addresses {
		if e, ok := r.ENIs[a.ENIID]; ok && e.VpcID == vpcID {
			return nil, Errorf("DependencyViolation",
				"Network %s has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.", vpcID)
		}
	}
	g.VpcID = ""
	return struct{}{}, nil
}

func (s *ec2State) deleteInternetGateway(c *Call) (any, error) {
	r := s.region(c)
	g, err := r.getIGW(c.Params.String("InternetGatewayId"))
	if err != nil {
		return nil, err
	}
	if g.VpcID != "" {
		return nil, Errorf("DependencyViolation", "The internetGateway '%s' has dependencies and cannot be deleted.", g.ID)
	}
	r.Tags.Forget(g.ID)
	delete(r.IGWs, g.ID)
	return ec2Return{Return: true}, nil
}

func (s *ec2State) describeInternetGateways(c *Call) (any, error) {
	r := s.region(c)
	page, next, err := describe(c, r, r.IGWs, "InternetGatewayId", idNotFound("InvalidInternetGatewayID.NotFound", "internetGateway"),
		func(g *internetGW) func(string) ([]string, bool) {
			m := map[string][]string{"internet-gateway-id": {g.ID}, "owner-id": {Account}, "attachment.vpc-id": nil, "attachment.state": nil}
			if g.VpcID != "" {
				m["attachment.vpc-id"] = []string{g.VpcID}
				m["attachment.state"] = []string{"available"}
			}
			return fieldMap(m)
		}, pages5to1000)
	if err != nil {
		return nil, err
	}
	out := struct {
		InternetGateways []internetGatewayXML `xml:"internetGatewaySet>item"`
		NextToken        string               `xml:"nextToken,omitempty"`
	}{NextToken: next}
	for _, g := range page {
		out.InternetGateways = append(out.InternetGateways, r.igwXML(g))
	}
	return out, nil
}
