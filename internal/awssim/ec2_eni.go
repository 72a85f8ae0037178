package awssim

import (
	"fmt"
	"time"
)

// eni is a network interface: an AWS-managed one (NAT gateways, load balancers, tasks) or one
// a user created with CreateNetworkInterface. It holds its subnet, its security groups and
// any EIP mapped to them.
type eni struct {
	ID            string   `json:"id"`
	SubnetID      string   `json:"subnetId"`
	VpcID         string   `json:"vpcId"`
	AZ            string   `json:"az"`
	PrivateIP     string   `json:"privateIp"`
	InterfaceType string   `json:"interfaceType"` // AWS sends "nat_gateway", though the SDK enum says "natGateway"
	Description   string   `json:"description"`
	GroupIDs      []string `json:"groupIds,omitempty"`
	RequesterID   string   `json:"requesterId,omitempty"` // "amazon-elb" for load balancers; "amazon-aws" when empty
	// UserCreated marks an interface made by CreateNetworkInterface: not requester-managed,
	// no requester, and the user may delete it.
	UserCreated bool `json:"userCreated,omitempty"`
	// ReleaseAt is when an interface whose owner is gone is released (a deleted load
	// balancer's interfaces linger, as on AWS); until then it holds its subnet and groups.
	ReleaseAt *time.Time `json:"releaseAt,omitempty"`
}

func (r *ec2Region) newENI(sn *subnet, interfaceType, description string, groups []string) *eni {
	e := &eni{ID: NewID("eni"), SubnetID: sn.ID, VpcID: sn.VpcID, AZ: sn.AZ, PrivateIP: r.allocIP(sn),
		InterfaceType: interfaceType, Description: description, GroupIDs: groups}
	r.ENIs[e.ID] = e
	return e
}

// releaseENI deletes an interface and unmaps any address mapped to it.
func (r *ec2Region) releaseENI(id string) {
	for _, a := range r.Addresses {
		if a.ENIID == id {
			a.ENIID, a.AssociationID = "", ""
		}
	}
	r.Tags.Forget(id)
	delete(r.ENIs, id)
}

// releaseENIAt schedules the release of an interface; sweep releases it once due.
func (r *ec2Region) releaseENIAt(id string, at time.Time) {
	if e, ok := r.ENIs[id]; ok && e.ReleaseAt == nil {
		e.ReleaseAt = &at
	}
}

// sweepENIs releases every interface whose scheduled release is due.
func (r *ec2Region) sweepENIs(now time.Time) {
	for id, e := range r.ENIs {
		if e.ReleaseAt != nil && !now.Before(*e.ReleaseAt) {
			r.releaseENI(id)
		}
	}
}

type eniAssociationXML struct {
	PublicIP      string `xml:"publicIp"`
	IPOwnerID     string `xml:"ipOwnerId"`
	AllocationID  string `xml:"allocationId"`
	AssociationID string `xml:"associationId"`
}

type groupIdentifierXML struct {
	GroupID   string `xml:"groupId"`
	GroupName string `xml:"groupName"`
}

type networkInterfaceXML struct {
	NetworkInterfaceID string               `xml:"networkInterfaceId"`
	SubnetID           string               `xml:"subnetId"`
	VpcID              string               `xml:"vpcId"`
	AvailabilityZone   string               `xml:"availabilityZone"`
	Description        string               `xml:"description"`
	OwnerID            string               `xml:"ownerId"`
	RequesterID        string               `xml:"requesterId,omitempty"`
	RequesterManaged   bool                 `xml:"requesterManaged"`
	Status             string               `xml:"status"`
	PrivateIPAddress   string               `xml:"privateIpAddress"`
	SourceDestCheck    bool                 `xml:"sourceDestCheck"`
	InterfaceType      string               `xml:"interfaceType"`
	Groups             []groupIdentifierXML `xml:"groupSet>item"`
	Association        *eniAssociationXML   `xml:"association,omitempty"`
	TagSet             []ec2Tag             `xml:"tagSet>item"`
}

func (r *ec2Region) eniXML(e *eni) networkInterfaceXML {
	out := networkInterfaceXML{
		NetworkInterfaceID: e.ID, SubnetID: e.SubnetID, VpcID: e.VpcID, AvailabilityZone: e.AZ,
		Description: e.Description, OwnerID: Account, RequesterID: "amazon-aws", RequesterManaged: true,
		Status: "in-use", PrivateIPAddress: e.PrivateIP, InterfaceType: e.InterfaceType,
		TagSet: tagSet(r.Tags.Get(e.ID)),
	}
	switch {
	case e.UserCreated:
		out.RequesterID, out.RequesterManaged = "", false
	case e.RequesterID != "":
		out.RequesterID = e.RequesterID
	}
	for _, g := range e.GroupIDs {
		if sg, ok := r.SecurityGroups[g]; ok {
			out.Groups = append(out.Groups, groupIdentifierXML{GroupID: g, GroupName: sg.Name})
		}
	}
	for _, a := range r.Addresses {
		if a.ENIID == e.ID {
			out.Association = &eniAssociationXML{PublicIP: a.PublicIP, IPOwnerID: "amazon", AllocationID: a.AllocationID, AssociationID: a.AssociationID}
		}
	}
	return out
}

func (s *ec2State) describeNetworkInterfaces(c *Call) (any, error) {
	r := s.region(c)
	page, next, err := describe(c, r, r.ENIs, "NetworkInterfaceId", idNotFound("InvalidNetworkInterfaceID.NotFound", "network interface"),
		func(e *eni) func(string) ([]string, bool) {
			x := r.eniXML(e)
			m := map[string][]string{
				"network-interface-id": {e.ID}, "subnet-id": {e.SubnetID}, "vpc-id": {e.VpcID},
				"availability-zone": {e.AZ}, "status": {"in-use"}, "interface-type": {e.InterfaceType},
				"description": {e.Description}, "private-ip-address": {e.PrivateIP},
				"addresses.private-ip-address": {e.PrivateIP}, "requester-managed": {fmt.Sprint(x.RequesterManaged)},
				"owner-id": {Account}, "group-id": e.GroupIDs,
				"association.public-ip": nil, "association.allocation-id": nil,
			}
			if x.Association != nil {
				m["association.public-ip"] = []string{x.Association.PublicIP}
				m["association.allocation-id"] = []string{x.Association.AllocationID}
			}
			return fieldMap(m)
		}, pages5to1000)
	if err != nil {
		return nil, err
	}
	out := struct {
		NetworkInterfaces []networkInterfaceXML `xml:"networkInterfaceSet>item"`
		NextToken         string                `xml:"nextToken,omitempty"`
	}{NextToken: next}
	for _, e := range page {
		out.NetworkInterfaces = append(out.NetworkInterfaces, r.eniXML(e))
	}
	return out, nil
}

// createNetworkInterface makes an interface of the user's own in a subnet, with the
// security groups (of the subnet's VPC) and tags asked for.
func (s *ec2State) createNetworkInterface(c *Call) (any, error) {
	r := s.region(c)
	sn, err := r.getSubnet(c.Params.String("SubnetId"))
	if err != nil {
		return nil, err
	}
	groups := c.Params.Strings("SecurityGroupId")
	for _, g := range groups {
		sg, err := r.getSecurityGroup(g)
		if err != nil {
			return nil, err
		}
		if sg.VpcID != sn.VpcID {
			return nil, Errorf("InvalidParameter", "Security group %s and subnet %s belong to different networks.", g, sn.ID)
		}
	}
	if len(groups) == 0 {
		groups = []string{r.Vpcs[sn.VpcID].DefaultGroupID}
	}
	tags, err := tagSpecs(c.Params, "network-interface")
	if err != nil {
		return nil, err
	}
	e := r.newENI(sn, "interface", c.Params.String("Description"), groups)
	e.UserCreated = true
	r.Tags.Set(e.ID, tags)
	return struct {
		NetworkInterface networkInterfaceXML `xml:"networkInterface"`
	}{r.eniXML(e)}, nil
}

// deleteNetworkInterface deletes an interface the user created; AWS manages the others.
func (s *ec2State) deleteNetworkInterface(c *Call) (any, error) {
	r := s.region(c)
	id := c.Params.String("NetworkInterfaceId")
	e, ok := r.ENIs[id]
	if !ok {
		return nil, Errorf("InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '%s' does not exist", id)
	}
	if !e.UserCreated {
		return nil, Errorf("OperationNotPermitted", "You are not allowed to delete the network interface '%s': it is managed by AWS.", id)
	}
	r.releaseENI(id)
	return ec2Return{Return: true}, nil
}
