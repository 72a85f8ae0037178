package controllers

import (
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flaskops/flask-operator/controllers/cicd"
	"github.com/flaskops/flask-operator/controllers/ecr"
	"github.com/flaskops/flask-operator/controllers/ecs"
	"github.com/flaskops/flask-operator/controllers/network"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// Deps is what the stages take from the manager.
type Deps struct {
	Clients  *cloud.Clients
	Recorder events.EventRecorder
	// Cluster is the manager's --cluster-name, in every ownership tag.
	Cluster string
	// APIReader reads from the API server without a cache: the pipeline's legacy GitHub
	// token is read from its Secret with a namespaced get, and no Secret is cached.
	APIReader client.Reader
	// RoleBoundary is the permissions boundary of every IAM role the stages create.
	RoleBoundary string
}

// Stages are the stages the operator runs, in creation order (deletion runs them in
// reverse).
func Stages(d Deps) []stage.Stage {
	clients, rec := d.Clients, d.Recorder
	return []stage.Stage{
		network.New(func(region string) cloud.NetworkEC2 { return clients.EC2(region) }, rec, d.Cluster),
		ecr.New(
			func(region string) cloud.ECRAPI { return clients.ECR(region) },
			func(region string) cloud.SSMAPI { return clients.SSM(region) },
			rec, d.Cluster),
		ecs.New(func(region string) ecs.Clients { return ECSClients(clients, region) }, rec, d.Cluster).WithRoleBoundary(d.RoleBoundary),
		cicd.New(cicd.ClientsFrom(clients), cicd.SecretKeyReader(d.APIReader), rec, d.Cluster).WithRoleBoundary(d.RoleBoundary),
	}
}

// ECSClients are the SDK clients of region the ecs stage calls.
func ECSClients(c *cloud.Clients, region string) ecs.Clients {
	return ecs.Clients{EC2: c.EC2(region), ELB: c.ELBv2(region), ECS: c.ECS(region), ECR: c.ECR(region),
		IAM: c.IAM(region), Logs: c.Logs(region), AutoScaling: c.AutoScaling(region)}
}
