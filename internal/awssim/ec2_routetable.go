package awssim

import (
	"slices"
	"strings"
)

type route struct {
	Destination  string `json:"destination"`
	GatewayID    string `json:"gatewayId,omitempty"` // "local" or an igw-
	NatGatewayID string `json:"natGatewayId,omitempty"`
	Origin       string `json:"origin"`
}

type rtAssociation struct {
	ID       string `json:"id"`
	SubnetID string `json:"subnetId,omitempty"`
	Main     bool   `json:"main,omitempty"`
}

type routeTable struct {
	ID           string          `json:"id"`
	VpcID        string          `json:"vpcId"`
	Routes       []route         `json:"routes"`
	Associations []rtAssociation `json:"associations"`
}

// newRouteTable creates a route table with the VPC's local route.
func (r *ec2Region) newRouteTable(v *vpc, main bool) *routeTable {
	rt := &routeTable{ID: NewID("rtb"), VpcID: v.ID,
		Routes: []route{{Destination: v.CIDR, GatewayID: "local", Origin: "CreateRouteTable"}}}
	if main {
		rt.Associations = []rtAssociation{{ID: NewID("rtbassoc"), Main: true}}
	}
	r.RouteTables[rt.ID] = rt
	return rt
}

func (rt *routeTable) isMain() bool {
	return slices.ContainsFunc(rt.Associations, func(a rtAssociation) bool { return a.Main })
}

// routeState is "blackhole" when the target is gone, as AWS shows it.
func (r *ec2Region) routeState(rt *routeTable, rr route, c *Call) string {
	switch {
	case rr.GatewayID == "local":
		return "active"
	case rr.GatewayID != "":
		if g, ok := r.IGWs[rr.GatewayID]; ok && g.VpcID == rt.VpcID {
			return "active"
		}
	case rr.NatGatewayID != "":
		if n, ok := r.NatGateways[rr.NatGatewayID]; ok && (n.state(c.Now) == "available" || n.state(c.Now) == "pending") {
			return "active"
		}
	}
	return "blackhole"
}

type routeXML struct {
	DestinationCidrBlock string `xml:"destinationCidrBlock"`
	GatewayID            string `xml:"gatewayId,omitempty"`
	NatGatewayID         string `xml:"natGatewayId,omitempty"`
	State                string `xml:"state"`
	Origin               string `xml:"origin"`
}

type rtAssociationXML struct {
	RouteTableAssociationID string `xml:"routeTableAssociationId"`
	RouteTableID            string `xml:"routeTableId"`
	SubnetID                string `xml:"subnetId,omitempty"`
	Main                    bool   `xml:"main"`
	State                   string `xml:"associationState>state"`
}

type routeTableXML struct {
	RouteTableID string             `xml:"routeTableId"`
	VpcID        string             `xml:"vpcId"`
	OwnerID      string             `xml:"ownerId"`
	Routes       []routeXML         `xml:"routeSet>item"`
	Associations []rtAssociationXML `xml:"associationSet>item"`
	TagSet       []ec2Tag           `xml:"tagSet>item"`
}

func (r *ec2Region) routeTableXML(rt *routeTable, c *Call) routeTableXML {
	out := routeTableXML{RouteTableID: rt.ID, VpcID: rt.VpcID, OwnerID: Account, TagSet: tagSet(r.Tags.Get(rt.ID))}
	for _, rr := range rt.Routes {
		out.Routes = append(out.Routes, routeXML{DestinationCidrBlock: rr.Destination, GatewayID: rr.GatewayID,
			NatGatewayID: rr.NatGatewayID, State: r.routeState(rt, rr, c), Origin: rr.Origin})
	}
	for _, a := range rt.Associations {
		out.Associations = append(out.Associations, rtAssociationXML{RouteTableAssociationID: a.ID,
			RouteTableID: rt.ID, SubnetID: a.SubnetID, Main: a.Main, State: "associated"})
	}
	return out
}

func (r *ec2Region) getRouteTable(id string) (*routeTable, error) {
	rt, ok := r.RouteTables[id]
	if !ok {
		return nil, Errorf("InvalidRouteTableID.NotFound", "The routeTable ID '%s' does not exist", id)
	}
	return rt, nil
}

type createRouteTableXML struct {
	ClientToken string        `xml:"clientToken,omitempty"`
	RouteTable  routeTableXML `xml:"routeTable"`
}

func (s *ec2State) createRouteTable(c *Call) (any, error) {
	r := s.region(c)
	token, fp := c.Params.String("ClientToken"), Fingerprint(c.Params)
	if id, err := r.Tokens.Lookup("CreateRouteTable", token, fp); err != nil {
		return nil, err
	} else if rt, ok := r.RouteTables[id]; ok {
		return createRouteTableXML{ClientToken: token, RouteTable: r.routeTableXML(rt, c)}, nil
	}
	v, err := r.getVpc(c.Params.String("VpcId"))
	if err != nil {
		return nil, err
	}
	tags, err := tagSpecs(c.Params, "route-table")
	if err != nil {
		return nil, err
	}
	rt := r.newRouteTable(v, false)
	r.Tags.Set(rt.ID, tags)
	r.Tokens.Remember("CreateRouteTable", token, fp, rt.ID)
	return createRouteTableXML{ClientToken: token, RouteTable: r.routeTableXML(rt, c)}, nil
}

func (s *ec2State) describeRouteTables(c *Call) (any, error) {
	r := s.region(c)
	page, next, err := describe(c, r, r.RouteTables, "RouteTableId", idNotFound("InvalidRouteTableID.NotFound", "routeTable"),
		func(rt *routeTable) func(string) ([]string, bool) {
			m := map[string][]string{"route-table-id": {rt.ID}, "vpc-id": {rt.VpcID}, "owner-id": {Account},
				"association.main": {boolStr(rt.isMain())}}
			for _, a := range rt.Associations {
				m["association.route-table-association-id"] = append(m["association.route-table-association-id"], a.ID)
				m["association.route-table-id"] = append(m["association.route-table-id"], rt.ID)
				if a.SubnetID != "" {
					m["association.subnet-id"] = append(m["association.subnet-id"], a.SubnetID)
				}
			}
			for _, rr := range rt.Routes {
				m["route.destination-cidr-block"] = append(m["route.destination-cidr-block"], rr.Destination)
				m["route.gateway-id"] = append(m["route.gateway-id"], rr.GatewayID)
				m["route.nat-gateway-id"] = append(m["route.nat-gateway-id"], rr.NatGatewayID)
				m["route.origin"] = append(m["route.origin"], rr.Origin)
				m["route.state"] = append(m["route.state"], r.routeState(rt, rr, c))
			}
			for _, k := range []string{"association.route-table-association-id", "association.route-table-id", "association.subnet-id"} {
				if _, ok := m[k]; !ok {
					m[k] = nil
				}
			}
			return fieldMap(m)
		}, pages5to100)
	if err != nil {
		return nil, err
	}
	out := struct {
		RouteTables []routeTableXML `xml:"routeTableSet>item"`
		NextToken   string          `xml:"nextToken,omitempty"`
	}{NextToken: next}
	for _, rt := range page {
		out.RouteTables = append(out.RouteTables, r.routeTableXML(rt, c))
	}
	return out, nil
}

// deleteRouteTable refuses the main route table and tables still associated with subnets.
func (s *ec2State) deleteRouteTable(c *Call) (any, error) {
	r := s.region(c)
	rt, err := r.getRouteTable(c.Params.String("RouteTableId"))
	if err != nil {
		return nil, err
	}
	if len(rt.Associations) > 0 {
		return nil, Errorf("DependencyViolation", "The routeTable '%s' has dependencies and cannot be deleted.", rt.ID)
	}
	r.Tags.Forget(rt.ID)
	delete(r.RouteTables, rt.ID)
	return ec2Return{Return: true}, nil
}

// routeTarget validates the target of CreateRoute/ReplaceRoute.
func (r *ec2Region) routeTarget(c *Call, rt *routeTable) (route, error) {
	dest, err := parseCIDR(c.Params.String("DestinationCidrBlock"), "destinationCidrBlock")
	if err != nil {
		return route{}, err
	}
	rr := route{Destination: dest.String(), GatewayID: c.Params.String("GatewayId"),
		NatGatewayID: c.Params.String("NatGatewayId"), Origin: "CreateRoute"}
	switch {
	case rr.GatewayID != "" && rr.NatGatewayID != "":
		return route{}, Errorf("InvalidParameterCombination", "More than one target specified.")
	case rr.GatewayID != "":
		g, err := r.getIGW(rr.GatewayID)
		if err != nil {
			return route{}, err
		}
		if g.VpcID != rt.VpcID {
			return route{}, Errorf("InvalidParameterValue", "route table %s and network gateway %s belong to different networks", rt.ID, g.ID)
		}
	case rr.NatGatewayID != "":
		n, err := r.getNatGateway(rr.NatGatewayID)
		if err != nil {
			return route{}, err
		}
		if n.VpcID != rt.VpcID {
			return route{}, Errorf("InvalidParameterValue", "route table %s and NAT gateway %s belong to different networks", rt.ID, n.ID)
		}
	default:
		return route{}, Errorf("MissingParameter", "The request must contain exactly one of gatewayId, natGatewayId, networkInterfaceId, vpcPeeringConnectionId, transitGatewayId or instanceId")
	}
	return rr, nil
}

func (s *ec2State) createRoute(c *Call) (any, error) {
	r := s.region(c)
	rt, err := r.getRouteTable(c.Params.String("RouteTableId"))
	if err != nil {
		return nil, err
	}
	rr, err := r.routeTarget(c, rt)
	if err != nil {
		return nil, err
	}
	for _, existing := range rt.Routes {
		if existing.Destination == rr.Destination {
			return nil, Errorf("RouteAlreadyExists", "The route identified by %s already exists.", rr.Destination)
		}
	}
	rt.Routes = append(rt.Routes, rr)
	return ec2Return{Return: true}, nil
}

func (s *ec2State) replaceRoute(c *Call) (any, error) {
	r := s.region(c)
	rt, err := r.getRouteTable(c.Params.String("RouteTableId"))
	if err != nil {
		return nil, err
	}
	rr, err := r.routeTarget(c, rt)
	if err != nil {
		return nil, err
	}
	for i, existing := range rt.Routes {
		if existing.Destination != rr.Destination {
			continue
		}
		if existing.GatewayID == "local" {
			return nil, Errorf("InvalidParameterValue", "cannot replace local route %s in route table %s", rr.Destination, rt.ID)
		}
		rr.Origin = "ReplaceRoute"
		rt.Routes[i] = rr
		return struct{}{}, nil
	}
	return nil, Errorf("InvalidParameterValue", "There is no route defined for '%s' in the route table. Use CreateRoute instead.", rr.Destination)
}

func (s *ec2State) deleteRoute(c *Call) (any, error) {
	r := s.region(c)
	rt, err := r.getRouteTable(c.Params.String("RouteTableId"))
	if err != nil {
		return nil, err
	}
	dest := c.Params.String("DestinationCidrBlock")
	for i, existing := range rt.Routes {
		if existing.Destination != dest {
			continue
		}
		if existing.GatewayID == "local" {
			return nil, Errorf("InvalidParameterValue", "cannot remove local route %s in route table %s", dest, rt.ID)
		}
		rt.Routes = slices.Delete(rt.Routes, i, i+1)
		return struct{}{}, nil
	}
	return nil, Errorf("InvalidRoute.NotFound", "no route with destination-cidr-block %s in route table %s", dest, rt.ID)
}

// associateRouteTable: a subnet has at most one explicit association.
func (s *ec2State) associateRouteTable(c *Call) (any, error) {
	r := s.region(c)
	rt, err := r.getRouteTable(c.Params.String("RouteTableId"))
	if err != nil {
		return nil, err
	}
	sn, err := r.getSubnet(c.Params.String("SubnetId"))
	if err != nil {
		return nil, err
	}
	if sn.VpcID != rt.VpcID {
		return nil, Errorf("InvalidParameterValue", "Route table %s and subnet %s belong to different networks", rt.ID, sn.ID)
	}
	for _, other := range r.RouteTables {
		for _, a := range other.Associations {
			if a.SubnetID == sn.ID {
				return nil, Errorf("Resource.AlreadyAssociated", "the specified association for route table %s conflicts with an existing association", other.ID)
			}
		}
	}
	a := rtAssociation{ID: NewID("rtbassoc"), SubnetID: sn.ID}
	rt.Associations = append(rt.Associations, a)
	return struct {
		AssociationID string `xml:"associationId"`
		State         string `xml:"associationState>state"`
	}{a.ID, "associated"}, nil
}

func (s *ec2State) disassociateRouteTable(c *Call) (any, error) {
	r := s.region(c)
	id := c.Params.String("AssociationId")
	for _, rt := range r.RouteTables {
		for i, a := range rt.Associations {
			if a.ID != id {
				continue
			}
			if a.Main {
				return nil, Errorf("InvalidParameterValue", "cannot disassociate the main route table association %s", id)
			}
			rt.Associations = slices.Delete(rt.Associations, i, i+1)
			return struct{}{}, nil
		}
	}
	if !strings.HasPrefix(id, "rtbassoc-") {
		return nil, Errorf("InvalidAssociationID.Malformed", "Invalid id: \"%s\"", id)
	}
	return nil, Errorf("InvalidAssociationID.NotFound", "The association ID '%s' does not exist", id)
}
