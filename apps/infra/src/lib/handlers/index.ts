import type { ResourceType } from '../model';
import type { FieldRules } from '../plan';
import {
  alarmHandler,
  clusterHandler,
  dashboardHandler,
  listenerHandler,
  loadBalancerHandler,
  scalableTargetHandler,
  scalingPolicyHandler,
  serviceHandler,
  targetGroupHandler,
  taskDefinitionHandler,
} from './compute';
import {
  dbInstanceHandler,
  dbSubnetGroupHandler,
  iamRoleHandler,
  logGroupHandler,
  secretHandler,
  snsTopicHandler,
} from './data';
import {
  elasticIpHandler,
  internetGatewayHandler,
  natGatewayHandler,
  routeTableHandler,
  securityGroupHandler,
  subnetHandler,
  vpcHandler,
} from './network';
import type { Handler } from './types';

export const HANDLERS: Record<ResourceType, Handler> = {
  vpc: vpcHandler,
  subnet: subnetHandler,
  'internet-gateway': internetGatewayHandler,
  'elastic-ip': elasticIpHandler,
  'nat-gateway': natGatewayHandler,
  'route-table': routeTableHandler,
  'security-group': securityGroupHandler,
  'log-group': logGroupHandler,
  'sns-topic': snsTopicHandler,
  'iam-role': iamRoleHandler,
  secret: secretHandler,
  'db-subnet-group': dbSubnetGroupHandler,
  'db-instance': dbInstanceHandler,
  'target-group': targetGroupHandler,
  'load-balancer': loadBalancerHandler,
  listener: listenerHandler,
  'ecs-cluster': clusterHandler,
  'task-definition': taskDefinitionHandler,
  'ecs-service': serviceHandler,
  'scalable-target': scalableTargetHandler,
  'scaling-policy': scalingPolicyHandler,
  alarm: alarmHandler,
  dashboard: dashboardHandler,
};

export const FIELD_RULES: Partial<Record<ResourceType, FieldRules>> = Object.fromEntries(
  Object.entries(HANDLERS).flatMap(([type, h]) => (h.rules ? [[type, h.rules]] : [])),
);
