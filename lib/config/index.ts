export { parseConfig } from './parse-config';
export { kafkaConnectionSchema } from './kafka-connection-schema';
