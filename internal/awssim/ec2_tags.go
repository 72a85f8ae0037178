package awssim

import (
	"maps"
	"slices"
)

// exists checks an ID of any taggable EC2 resource, with that type's NotFound code.
func (r *ec2Region) exists(id string) error {
	var err error
	switch resourceTypeOf(id) {
	case "vpc":
		_, err = r.getVpc(id)
	case "subnet":
		_, err = r.getSubnet(id)
	case "internet-gateway":
		_, err = r.getIGW(id)
	case "elastic-ip":
		_, err = r.getAddress(id)
	case "natgateway":
		_, err = r.getNatGateway(id)
	case "route-table":
		_, err = r.getRouteTable(id)
	case "security-group":
		_, err = r.getSecurityGroup(id)
	case "vpc-peering-connection":
		_, err = r.getPeering(id)
	case "network-interface":
		if _, ok := r.ENIs[id]; !ok {
			err = Errorf("InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '%s' does not exist", id)
		}
	default:
		err = Errorf("InvalidID", "The ID '%s' is not valid", id)
	}
	return err
}

func (s *ec2State) createTags(c *Call) (any, error) {
	r := s.region(c)
	ids := c.Params.Strings("ResourceId")
	tags := c.Params.Map("Tag", "Key", "Value")
	if len(ids) == 0 || len(tags) == 0 {
		return nil, Errorf("MissingParameter", "The request must contain the parameters resourceIdSet and tagSet")
	}
	if err := checkTags("ec2", tags); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := r.exists(id); err != nil {
			return nil, err
		}
		if _, ok := mergeTags(r.Tags.Get(id), tags, tagRules["ec2"].maxTags); !ok {
			return nil, tagRules["ec2"].refuse(tagsTooMany, "", "")
		}
	}
	for _, id := range ids {
		r.Tags.Set(id, tags)
	}
	return ec2Return{Return: true}, nil
}

// deleteTags removes keys; a value given with a key must match for the tag to go.
func (s *ec2State) deleteTags(c *Call) (any, error) {
	r := s.region(c)
	ids := c.Params.Strings("ResourceId")
	for _, id := range ids {
		if err := r.exists(id); err != nil {
			return nil, err
		}
	}
	tags := c.Params.Map("Tag", "Key", "Value")
	for _, id := range ids {
		if len(tags) == 0 {
			r.Tags.Forget(id)
			continue
		}
		r.Tags.Remove(id, tags)
	}
	return ec2Return{Return: true}, nil
}

type tagDescriptionXML struct {
	ResourceID   string `xml:"resourceId"`
	ResourceType string `xml:"resourceType"`
	Key          string `xml:"key"`
	Value        string `xml:"value"`
}

func (s *ec2State) describeTags(c *Call) (any, error) {
	r := s.region(c)
	filters := ParseFilters(c.Params, "Filter")
	var matched []tagDescriptionXML
	for _, id := range slices.Sorted(maps.Keys(r.Tags)) {
		for _, k := range sortedKeys(r.Tags[id]) {
			d := tagDescriptionXML{ResourceID: id, ResourceType: resourceTypeOf(id), Key: k, Value: r.Tags[id][k]}
			ok, err := MatchFilters(filters, r.Tags[id], fieldMap(map[string][]string{
				"resource-id": {id}, "resource-type": {d.ResourceType}, "key": {k}, "value": {d.Value},
			}))
			if err != nil {
				return nil, err
			}
			if ok {
				matched = append(matched, d)
			}
		}
	}
	size, err := maxResults(c.Params, pages5to1000, "")
	if err != nil {
		return nil, err
	}
	page, next, err := Paginate(matched, c.Params.String("NextToken"), size, c.sim.PageSize())
	if err != nil {
		return nil, err
	}
	return struct {
		Tags      []tagDescriptionXML `xml:"tagSet>item"`
		NextToken string              `xml:"nextToken,omitempty"`
	}{page, next}, nil
}
