package awssim

import (
	"fmt"
	"slices"
	"strings"
)

// zoneLetters are the AZs of a region; any region not listed has a, b and c.
var zoneLetters = map[string]string{
	"us-east-1":  "abcdef",
	"us-west-2":  "abcd",
	"eu-west-1":  "abc",
	"ap-south-1": "abc",
}

// zones returns the AZ names and IDs of a region (us-east-1a / use1-az1).
func zones(region string) (names, ids []string) {
	letters, ok := zoneLetters[region]
	if !ok {
		letters = "abc"
	}
	short := ""
	for i, part := range strings.Split(region, "-") {
		if i == 0 {
			short = part
		} else {
			short += part[:1]
		}
	}
	for i, l := range letters {
		names = append(names, region+string(l))
		ids = append(ids, fmt.Sprintf("%s-az%d", short, i+1))
	}
	return names, ids
}

// zoneID returns the AZ ID of a zone name, or "" when the region has no such zone.
func zoneID(region, name string) string {
	names, ids := zones(region)
	for i, n := range names {
		if n == name {
			return ids[i]
		}
	}
	return ""
}

type availabilityZoneXML struct {
	ZoneName           string `xml:"zoneName"`
	ZoneID             string `xml:"zoneId"`
	ZoneState          string `xml:"zoneState"`
	ZoneType           string `xml:"zoneType"`
	RegionName         string `xml:"regionName"`
	GroupName          string `xml:"groupName"`
	NetworkBorderGroup string `xml:"networkBorderGroup"`
	OptInStatus        string `xml:"optInStatus"`
}

type describeAvailabilityZonesXML struct {
	Zones []availabilityZoneXML `xml:"availabilityZoneInfo>item"`
}

func (s *ec2State) describeAvailabilityZones(c *Call) (any, error) {
	names, ids := zones(c.Region)
	wantNames := c.Params.Strings("ZoneName")
	for _, w := range wantNames {
		if zoneID(c.Region, w) == "" {
			return nil, Errorf("InvalidParameterValue", "The zone '%s' does not exist.", w)
		}
	}
	filters := ParseFilters(c.Params, "Filter")
	out := describeAvailabilityZonesXML{Zones: []availabilityZoneXML{}}
	for i, name := range names {
		if len(wantNames) > 0 && !slices.Contains(wantNames, name) {
			continue
		}
		fields := map[string][]string{
			"zone-name": {name}, "zone-id": {ids[i]}, "region-name": {c.Region},
			"state": {"available"}, "zone-type": {"availability-zone"}, "group-name": {c.Region},
			"opt-in-status": {"opt-in-not-required"},
		}
		ok, err := MatchFilters(filters, nil, fieldMap(fields))
		if err != nil {
			return nil, err
		}
		if ok {
			out.Zones = append(out.Zones, availabilityZoneXML{
				ZoneName: name, ZoneID: ids[i], ZoneState: "available", ZoneType: "availability-zone",
				RegionName: c.Region, GroupName: c.Region, NetworkBorderGroup: c.Region,
				OptInStatus: "opt-in-not-required",
			})
		}
	}
	return out, nil
}
