package awssim

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ecsTaskDef is one revision of a task definition family. Container definitions are kept
// as the JSON objects they were registered with, plus the defaults AWS fills in.
type ecsTaskDef struct {
	Family                  string            `json:"family"`
	Revision                int               `json:"revision"`
	ARN                     string            `json:"arn"`
	Status                  string            `json:"status"` // ACTIVE, INACTIVE or DELETE_IN_PROGRESS
	Containers              []map[string]any  `json:"containers"`
	TaskRoleArn             string            `json:"taskRoleArn,omitempty"`
	ExecutionRoleArn        string            `json:"executionRoleArn,omitempty"`
	NetworkMode             string            `json:"networkMode"`
	RequiresCompatibilities []string          `json:"requiresCompatibilities,omitempty"`
	CPU                     string            `json:"cpu,omitempty"`
	Memory                  string            `json:"memory,omitempty"`
	RuntimePlatform         map[string]any    `json:"runtimePlatform,omitempty"`
	Tags                    map[string]string `json:"tags,omitempty"`
	RegisteredAt            time.Time         `json:"registeredAt"`
	DeregisteredAt          *time.Time        `json:"deregisteredAt,omitempty"`
	DeleteRequestedAt       *time.Time        `json:"deleteRequestedAt,omitempty"`
}

// ecsContainerDef is the part of a container definition the simulator reads.
type ecsContainerDef struct {
	Name             string           `json:"name"`
	Image            string           `json:"image"`
	Essential        *bool            `json:"essential"`
	PortMappings     []ecsPortMapping `json:"portMappings"`
	LogConfiguration *struct {
		LogDriver string            `json:"logDriver"`
		Options   map[string]string `json:"options"`
	} `json:"logConfiguration"`
	Environment []ecsKV `json:"environment"`
	Secrets     []struct {
		Name      string `json:"name"`
		ValueFrom string `json:"valueFrom"`
	} `json:"secrets"`
}

type ecsPortMapping struct {
	ContainerPort *int32 `json:"containerPort"`
	HostPort      *int32 `json:"hostPort"`
	Protocol      string `json:"protocol"`
}

func (td *ecsTaskDef) containers() []ecsContainerDef {
	b, _ := json.Marshal(td.Containers)
	var out []ecsContainerDef
	_ = json.Unmarshal(b, &out)
	return out
}

// fargateMemory lists the memory sizes (MiB) Fargate offers for each task CPU size.
func fargateMemory(cpu int) []int {
	steps := func(from, to, step int) []int {
		var out []int
		for m := from; m <= to; m += step {
			out = append(out, m)
		}
		return out
	}
	switch cpu {
	case 256:
		return []int{512, 1024, 2048}
	case 512:
		return steps(1024, 4096, 1024)
	case 1024:
		return steps(2048, 8192, 1024)
	case 2048:
		return steps(4096, 16384, 1024)
	case 4096:
		return steps(8192, 30720, 1024)
	case 8192:
		return steps(16384, 61440, 4096)
	case 16384:
		return steps(32768, 122880, 8192)
	}
	return nil
}

// ecsUnits reads a task-level cpu ("256", "0.25 vCPU") or memory ("512", "1 GB") value
// into CPU units or MiB.
func ecsUnits(v, unit string, per float64) (int, bool) {
	v = strings.TrimSpace(v)
	if n, err := strconv.Atoi(v); err == nil {
		return n, n > 0
	}
	num, suffix, ok := strings.Cut(strings.ToLower(strings.ReplaceAll(v, " ", "")), unit)
	if !ok || suffix != "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f <= 0 {
		return 0, false
	}
	return int(f * per), true
}

// isECRImage reports whether an image reference is in this account's ECR.
func isECRImage(image string) bool {
	host, _, _ := strings.Cut(image, "/")
	return strings.HasPrefix(host, Account+".dkr.ecr.") && strings.HasSuffix(host, ".amazonaws.com")
}

func (s *ecsState) registerTaskDefinition(c *Call) (any, error) {
	var in struct {
		Family                  string           `json:"family"`
		TaskRoleArn             string           `json:"taskRoleArn"`
		ExecutionRoleArn        string           `json:"executionRoleArn"`
		NetworkMode             string           `json:"networkMode"`
		ContainerDefinitions    []map[string]any `json:"containerDefinitions"`
		RequiresCompatibilities []string         `json:"requiresCompatibilities"`
		CPU                     string           `json:"cpu"`
		Memory                  string           `json:"memory"`
		Tags                    []ecsTag         `json:"tags"`
		RuntimePlatform         map[string]any   `json:"runtimePlatform"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if err := checkFamily(in.Family); err != nil {
		return nil, err
	}
	if len(in.ContainerDefinitions) == 0 {
		return nil, ecsClientErr("Container list cannot be empty.")
	}
	mode := in.NetworkMode
	switch mode {
	case "":
		mode = "bridge"
	case "bridge", "host", "awsvpc", "none":
	default:
		return nil, ecsClientErr("Invalid networkMode %s: valid values are bridge, host, awsvpc and none.", mode)
	}
	for _, comp := range in.RequiresCompatibilities {
		if comp != "EC2" && comp != "FARGATE" && comp != "EXTERNAL" && comp != "MANAGED_INSTANCES" {
			return nil, ecsClientErr("Invalid requiresCompatibilities value %s.", comp)
		}
	}
	fargate := slices.Contains(in.RequiresCompatibilities, "FARGATE")
	tags, err := ecsTagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	td := &ecsTaskDef{Family: in.Family, TaskRoleArn: in.TaskRoleArn, ExecutionRoleArn: in.ExecutionRoleArn,
		NetworkMode: mode, RequiresCompatibilities: in.RequiresCompatibilities, RuntimePlatform: in.RuntimePlatform,
		Status: "ACTIVE", RegisteredAt: c.Now}
	if fargate {
		if mode != "awsvpc" {
			return nil, ecsClientErr("Fargate only supports network mode ‘awsvpc’.")
		}
		if in.CPU == "" {
			return nil, ecsClientErr("Fargate requires that 'cpu' be defined at the task level.")
		}
		if in.Memory == "" {
			return nil, ecsClientErr("Fargate requires that 'memory' be defined at the task level.")
		}
	}
	if in.CPU != "" {
		cpu, ok := ecsUnits(in.CPU, "vcpu", 1024)
		if !ok {
			return nil, ecsClientErr("Invalid 'cpu' setting for task.")
		}
		td.CPU = strconv.Itoa(cpu)
	}
	if in.Memory != "" {
		mem, ok := ecsUnits(in.Memory, "gb", 1024)
		if !ok {
			return nil, ecsClientErr("Invalid 'memory' setting for task.")
		}
		td.Memory = strconv.Itoa(mem)
	}
	if fargate {
		cpu, _ := strconv.Atoi(td.CPU)
		mem, _ := strconv.Atoi(td.Memory)
		if !slices.Contains(fargateMemory(cpu), mem) {
			return nil, ecsClientErr("No Fargate configuration exists for given values: %d CPU, %d memory. See the Amazon ECS documentation for the valid values.", cpu, mem)
		}
	}
	names := map[string]bool{}
	essential := false
	for _, raw := range in.ContainerDefinitions {
		b, _ := json.Marshal(raw)
		var cd ecsContainerDef
		if err := json.Unmarshal(b, &cd); err != nil {
			return nil, Errorf("SerializationException", "cannot decode container definition: %v", err)
		}
		if cd.Name == "" {
			return nil, ecsClientErr("Container.name should not be null or empty.")
		}
		if cd.Image == "" {
			return nil, ecsClientErr("Container.image should not be null or empty.")
		}
		if names[cd.Name] {
			return nil, ecsClientErr("Duplicate container name %s: container names must be unique within a task definition.", cd.Name)
		}
		names[cd.Name] = true
		if cd.Essential == nil || *cd.Essential {
			essential = true
		}
		var ports []map[string]any
		for _, pm := range cd.PortMappings {
			if pm.ContainerPort == nil {
				return nil, ecsClientErr("Container.portMappings.containerPort should not be null or empty.")
			}
			if *pm.ContainerPort < 1 || *pm.ContainerPort > 65535 {
				return nil, ecsClientErr("Invalid containerPort %d: must be between 1 and 65535.", *pm.ContainerPort)
			}
			host := *pm.ContainerPort
			if pm.HostPort != nil {
				if mode == "awsvpc" && *pm.HostPort != *pm.ContainerPort {
					return nil, ecsClientErr("When networkMode=awsvpc, the host ports and container ports in port mappings must match.")
				}
				host = *pm.HostPort
			} else if mode == "bridge" {
				host = 0
			}
			proto := pm.Protocol
			if proto == "" {
				proto = "tcp"
			}
			if proto != "tcp" && proto != "udp" {
				return nil, ecsClientErr("Invalid protocol %s: valid values are tcp and udp.", proto)
			}
			ports = append(ports, map[string]any{"containerPort": *pm.ContainerPort, "hostPort": host, "protocol": proto})
		}
		if lc := cd.LogConfiguration; lc != nil {
			switch {
			case lc.LogDriver == "":
				return nil, ecsClientErr("Container.logConfiguration.logDriver should not be null or empty.")
			case fargate && !slices.Contains([]string{"awslogs", "splunk", "awsfirelens"}, lc.LogDriver):
				return nil, ecsClientErr("Log driver %s is not supported on Fargate: use awslogs, splunk or awsfirelens.", lc.LogDriver)
			case lc.LogDriver == "awslogs" && (lc.Options["awslogs-group"] == "" || lc.Options["awslogs-region"] == ""):
				return nil, ecsClientErr("Log driver awslogs requires options: awslogs-group, awslogs-region")
			case lc.LogDriver == "awslogs" && fargate && in.ExecutionRoleArn == "":
				return nil, ecsClientErr("Fargate requires task definition to have execution role ARN to support log driver awslogs.")
			}
		}
		if fargate && isECRImage(cd.Image) && in.ExecutionRoleArn == "" {
			return nil, ecsClientErr("Fargate requires task definition to have execution role ARN to support ECR images.")
		}
		for _, sec := range cd.Secrets {
			if sec.Name == "" || sec.ValueFrom == "" {
				return nil, ecsClientErr("Container.secrets should have both name and valueFrom.")
			}
			if in.ExecutionRoleArn == "" {
				return nil, ecsClientErr("When you are specifying container secrets, you must also specify a value for 'executionRoleArn'.")
			}
		}
		def := maps.Clone(raw)
		def["essential"] = cd.Essential == nil || *cd.Essential
		def["portMappings"] = ports
		if ports == nil {
			def["portMappings"] = []any{}
		}
		for _, k := range []string{"environment", "mountPoints", "volumesFrom", "systemControls"} {
			if _, ok := def[k]; !ok {
				def[k] = []any{}
			}
		}
		if _, ok := def["cpu"]; !ok {
			def["cpu"] = 0
		}
		td.Containers = append(td.Containers, def)
	}
	if !essential {
		return nil, ecsClientErr("A task definition must have at least one essential container.")
	}
	r := s.region(c)
	r.Revisions[in.Family]++
	td.Revision = r.Revisions[in.Family]
	key := fmt.Sprintf("%s:%d", td.Family, td.Revision)
	td.ARN = ARN("ecs", c.Region, "task-definition/"+key)
	if len(tags) > 0 {
		td.Tags = tags
	}
	r.TaskDefs[key] = td
	return map[string]any{"taskDefinition": td.out(), "tags": ecsTagList(td.Tags)}, nil
}

type ecsTaskDefOut struct {
	TaskDefinitionArn       string           `json:"taskDefinitionArn"`
	ContainerDefinitions    []map[string]any `json:"containerDefinitions"`
	Family                  string           `json:"family"`
	TaskRoleArn             string           `json:"taskRoleArn,omitempty"`
	ExecutionRoleArn        string           `json:"executionRoleArn,omitempty"`
	NetworkMode             string           `json:"networkMode"`
	Revision                int              `json:"revision"`
	Volumes                 []any            `json:"volumes"`
	Status                  string           `json:"status"`
	RequiresAttributes      []map[string]any `json:"requiresAttributes"`
	PlacementConstraints    []any            `json:"placementConstraints"`
	Compatibilities         []string         `json:"compatibilities"`
	RequiresCompatibilities []string         `json:"requiresCompatibilities,omitempty"`
	CPU                     string           `json:"cpu,omitempty"`
	Memory                  string           `json:"memory,omitempty"`
	RuntimePlatform         map[string]any   `json:"runtimePlatform,omitempty"`
	RegisteredAt            EpochSeconds     `json:"registeredAt"`
	DeregisteredAt          *EpochSeconds    `json:"deregisteredAt,omitempty"`
	DeleteRequestedAt       *EpochSeconds    `json:"deleteRequestedAt,omitempty"`
	RegisteredBy            string           `json:"registeredBy"`
}

func (td *ecsTaskDef) out() ecsTaskDefOut {
	out := ecsTaskDefOut{
		TaskDefinitionArn: td.ARN, ContainerDefinitions: td.Containers, Family: td.Family,
		TaskRoleArn: td.TaskRoleArn, ExecutionRoleArn: td.ExecutionRoleArn, NetworkMode: td.NetworkMode,
		Revision: td.Revision, Volumes: []any{}, Status: td.Status, PlacementConstraints: []any{},
		Compatibilities: []string{"EC2"}, RequiresCompatibilities: td.RequiresCompatibilities,
		CPU: td.CPU, Memory: td.Memory, RuntimePlatform: td.RuntimePlatform,
		RegisteredAt: EpochSeconds(td.RegisteredAt), RegisteredBy: "arn:aws:iam::" + Account + ":root",
	}
	if td.NetworkMode == "awsvpc" {
		out.Compatibilities = append(out.Compatibilities, "FARGATE")
	}
	if td.DeregisteredAt != nil {
		t := EpochSeconds(*td.DeregisteredAt)
		out.DeregisteredAt = &t
	}
	if td.DeleteRequestedAt != nil {
		t := EpochSeconds(*td.DeleteRequestedAt)
		out.DeleteRequestedAt = &t
	}
	attrs := map[string]bool{}
	for _, cd := range td.containers() {
		if cd.LogConfiguration != nil && cd.LogConfiguration.LogDriver != "" {
			attrs["com.amazonaws.ecs.capability.logging-driver."+cd.LogConfiguration.LogDriver] = true
			if cd.LogConfiguration.LogDriver == "awslogs" && td.ExecutionRoleArn != "" {
				attrs["ecs.capability.execution-role-awslogs"] = true
			}
		}
		if isECRImage(cd.Image) {
			attrs["com.amazonaws.ecs.capability.ecr-auth"] = true
			if td.ExecutionRoleArn != "" {
				attrs["ecs.capability.execution-role-ecr-pull"] = true
			}
		}
		if len(cd.Secrets) > 0 {
			attrs["ecs.capability.secrets.asm.environment-variables"] = true
		}
	}
	if td.NetworkMode == "awsvpc" {
		attrs["ecs.capability.task-eni"] = true
	}
	if td.TaskRoleArn != "" {
		attrs["com.amazonaws.ecs.capability.task-iam-role"] = true
	}
	out.RequiresAttributes = []map[string]any{}
	for _, a := range slices.Sorted(maps.Keys(attrs)) {
		out.RequiresAttributes = append(out.RequiresAttributes, map[string]any{"name": a})
	}
	return out
}

// taskDef resolves family (latest ACTIVE revision), family:revision or an ARN.
func (r *ecsRegion) taskDef(c *Call, ref string) (*ecsTaskDef, bool) {
	if strings.HasPrefix(ref, "arn:") {
		prefix := "arn:aws:ecs:" + c.Region + ":" + Account + ":task-definition/"
		if !strings.HasPrefix(ref, prefix) {
			return nil, false
		}
		ref = strings.TrimPrefix(ref, prefix)
	}
	if strings.Contains(ref, ":") {
		td, ok := r.TaskDefs[ref]
		return td, ok
	}
	for rev := r.Revisions[ref]; rev > 0; rev-- {
		if td, ok := r.TaskDefs[fmt.Sprintf("%s:%d", ref, rev)]; ok && td.Status == "ACTIVE" {
			return td, true
		}
	}
	return nil, false
}

func (s *ecsState) describeTaskDefinition(c *Call) (any, error) {
	var in struct {
		TaskDefinition string   `json:"taskDefinition"`
		Include        []string `json:"include"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	td, ok := s.region(c).taskDef(c, in.TaskDefinition)
	if !ok {
		return nil, ecsClientErr("Unable to describe task definition.")
	}
	out := map[string]any{"taskDefinition": td.out()}
	if slices.Contains(in.Include, "TAGS") {
		out["tags"] = ecsTagList(td.Tags)
	}
	return out, nil
}

// deregisterTaskDefinition makes a revision INACTIVE: still describable by revision, no
// longer usable for new services, and no longer the family's latest.
func (s *ecsState) deregisterTaskDefinition(c *Call) (any, error) {
	var in struct {
		TaskDefinition string `json:"taskDefinition"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	ref := lastPart(in.TaskDefinition)
	if !strings.Contains(ref, ":") {
		return nil, ecsClientErr("A task definition revision is required: specify family:revision or the full ARN.")
	}
	td, ok := s.region(c).taskDef(c, in.TaskDefinition)
	if !ok {
		return nil, ecsClientErr("The specified task definition does not exist.")
	}
	if td.Status == "ACTIVE" {
		now := c.Now
		td.Status, td.DeregisteredAt = "INACTIVE", &now
	}
	return map[string]any{"taskDefinition": td.out()}, nil
}

// deleteTaskDefinitions submits INACTIVE revisions for deletion: each becomes
// DELETE_IN_PROGRESS, still describable, and is deleted for good once no task or service
// deployment uses it (deletedTaskDefinitions). An ACTIVE or unknown revision is a failure
// of the call, not an error, as on AWS.
func (s *ecsState) deleteTaskDefinitions(c *Call) (any, error) {
	var in struct {
		TaskDefinitions []string `json:"taskDefinitions"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if len(in.TaskDefinitions) == 0 || len(in.TaskDefinitions) > 10 {
		return nil, ecsInvalid("taskDefinitions must hold between 1 and 10 task definitions.")
	}
	r := s.region(c)
	deleted := []ecsTaskDefOut{}
	failures := []ecsFailure{}
	for _, ref := range in.TaskDefinitions {
		if !strings.Contains(lastPart(ref), ":") {
			return nil, ecsClientErr("A task definition revision is required: specify family:revision or the full ARN.")
		}
		td, ok := r.taskDef(c, ref)
		switch {
		case !ok:
			failures = append(failures, ecsFailure{Arn: ref, Reason: "TASK_DEFINITION_NOT_FOUND", Detail: "The specified task definition does not exist."})
			continue
		case td.Status == "ACTIVE":
			failures = append(failures, ecsFailure{Arn: td.ARN, Reason: "TASK_DEFINITION_ACTIVE",
				Detail: "The specified task definition is still in ACTIVE status. Please deregister the target and try again."})
			continue
		case td.Status == "INACTIVE":
			now := c.Now
			td.Status, td.DeleteRequestedAt = "DELETE_IN_PROGRESS", &now
		}
		deleted = append(deleted, td.out())
	}
	s.deletedTaskDefinitions(r)
	return map[string]any{"taskDefinitions": deleted, "failures": failures}, nil
}

// deletedTaskDefinitions deletes for good the DELETE_IN_PROGRESS revisions that no task
// that has not stopped and no deployment of a service that is not INACTIVE uses. The
// family's revision counter stays: a later registration takes the next number.
func (s *ecsState) deletedTaskDefinitions(r *ecsRegion) {
	used := map[string]bool{}
	for _, t := range r.Tasks {
		if t.State != "STOPPED" {
			used[t.TaskDefARN] = true
		}
	}
	for _, cl := range r.Clusters {
		for _, svc := range cl.Services {
			if svc.Status == "INACTIVE" {
				continue
			}
			used[svc.TaskDefinition] = true
			for _, d := range svc.Deployments {
				used[d.TaskDefinition] = true
			}
		}
	}
	for key, td := range r.TaskDefs {
		if td.Status == "DELETE_IN_PROGRESS" && !used[td.ARN] {
			delete(r.TaskDefs, key)
		}
	}
}

func (s *ecsState) listTaskDefinitions(c *Call) (any, error) {
	var in struct {
		FamilyPrefix string `json:"familyPrefix"`
		Status       string `json:"status"`
		Sort         string `json:"sort"`
		NextToken    string `json:"nextToken"`
		MaxResults   *int   `json:"maxResults"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	status := in.Status
	if status == "" {
		status = "ACTIVE"
	}
	if status != "ACTIVE" && status != "INACTIVE" && status != "DELETE_IN_PROGRESS" {
		return nil, ecsInvalid("Invalid status %s: valid values are ACTIVE, INACTIVE and DELETE_IN_PROGRESS.", status)
	}
	r := s.region(c)
	var tds []*ecsTaskDef
	for _, td := range r.TaskDefs {
		if td.Status == status && (in.FamilyPrefix == "" || td.Family == in.FamilyPrefix) {
			tds = append(tds, td)
		}
	}
	slices.SortFunc(tds, func(a, b *ecsTaskDef) int {
		if a.Family != b.Family {
			return strings.Compare(a.Family, b.Family)
		}
		return a.Revision - b.Revision
	})
	if in.Sort == "DESC" {
		slices.Reverse(tds)
	}
	arns := make([]string, 0, len(tds))
	for _, td := range tds {
		arns = append(arns, td.ARN)
	}
	page, next, err := s.ecsPaginate(arns, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return ecsPage("taskDefinitionArns", page, next), nil
}

// listTaskDefinitionFamilies lists families by name: ACTIVE ones have an ACTIVE revision,
// INACTIVE ones have revisions but none ACTIVE; ALL lists both.
func (s *ecsState) listTaskDefinitionFamilies(c *Call) (any, error) {
	var in struct {
		FamilyPrefix string `json:"familyPrefix"`
		Status       string `json:"status"`
		NextToken    string `json:"nextToken"`
		MaxResults   *int   `json:"maxResults"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	status := cmp.Or(in.Status, "ACTIVE")
	if status != "ACTIVE" && status != "INACTIVE" && status != "ALL" {
		return nil, ecsInvalid("Invalid status %s: valid values are ACTIVE, INACTIVE and ALL.", status)
	}
	active := map[string]bool{}
	for _, td := range s.region(c).TaskDefs {
		active[td.Family] = active[td.Family] || td.Status == "ACTIVE"
	}
	var families []string
	for _, f := range slices.Sorted(maps.Keys(active)) {
		if strings.HasPrefix(f, in.FamilyPrefix) && (status == "ALL" || active[f] == (status == "ACTIVE")) {
			families = append(families, f)
		}
	}
	page, next, err := s.ecsPaginate(families, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return ecsPage("families", page, next), nil
}
