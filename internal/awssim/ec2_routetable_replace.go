package awssim

// replaceRouteTableAssociation moves an association to another route table of the same
// VPC and gives it a new ID, as AWS does. Replacing the main association makes the new
// table the VPC's main table.
func (s *ec2State) replaceRouteTableAssociation(c *Call) (any, error) {
	r := s.region(c)
	target, err := r.getRouteTable(c.Params.String("RouteTableId"))
	if err != nil {
		return nil, err
	}
	id := c.Params.String("AssociationId")
	for _, rt := range r.RouteTables {
		for i, a := range rt.Associations {
			if a.ID != id {
				continue
			}
			if rt.VpcID != target.VpcID {
				return nil, Errorf("InvalidParameterValue", "Route table %s and association %s belong to different networks", target.ID, id)
			}
			moved := rtAssociation{ID: NewID("rtbassoc"), SubnetID: a.SubnetID, Main: a.Main}
			rt.Associations = append(rt.Associations[:i], rt.Associations[i+1:]...)
			target.Associations = append(target.Associations, moved)
			if moved.Main {
				for _, v := range r.Vpcs {
					if v.ID == target.VpcID {
						v.MainRouteTableID = target.ID
					}
				}
			}
			return struct {
				NewAssociationID string `xml:"newAssociationId"`
				State            string `xml:"associationState>state"`
			}{moved.ID, "associated"}, nil
		}
	}
	return nil, Errorf("InvalidAssociationID.NotFound", "The association ID '%s' does not exist", id)
}
