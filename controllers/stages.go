package controllers

import (
	"k8s.io/client-go/tools/events"

	"github.com/flaskops/flask-operator/controllers/ecr"
	"github.com/flaskops/flask-operator/controllers/ecs"
	"github.com/flaskops/flask-operator/controllers/network"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// Stages are the stages the operator runs, in creation order (deletion runs them in
// reverse), for the manager of cluster (its --cluster-name, in every ownership tag).
func Stages(clients *cloud.Clients, rec events.EventRecorder, cluster string) []stage.Stage {
	return []stage.Stage{
		network.New(func(region string) cloud.NetworkEC2 { return clients.EC2(region) }, rec, cluster),
		ecr.New(
			func(region string) cloud.ECRAPI { return clients.ECR(region) },
			func(region string) cloud.SSMAPI { return clients.SSM(region) },
			rec, cluster),
		ecs.New(func(region string) ecs.Clients { return ECSClients(clients, region) }, rec, cluster),
	}
}

// ECSClients are the SDK clients of region the ecs stage calls.
func ECSClients(c *cloud.Clients, region string) ecs.Clients {
	return ecs.Clients{EC2: c.EC2(region), ELB: c.ELBv2(region), ECS: c.ECS(region), ECR: c.ECR(region),
		IAM: c.IAM(region), Logs: c.Logs(region), AutoScaling: c.AutoScaling(region)}
}
