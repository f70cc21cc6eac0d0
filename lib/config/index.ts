export { parseConfig } from './parse-config';
export { kafkaConnectionSchema } from './kafka-connection-schema';
export { configFromEnv, KAFKA_ENV, type EnvBinding, type EnvType } from './env-source';
export { serviceCommonFields, SERVICE_COMMON_ENV } from './service-common';
