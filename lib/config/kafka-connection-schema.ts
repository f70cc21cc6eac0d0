import { z } from 'zod';

/** The Kafka connection block every service's configuration shares (lib/kafka/kafka-client.ts). */
export const kafkaConnectionSchema = z
  .object({
    brokers: z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port')).min(1, 'expected at least one broker'),
    clientId: z.string().min(1),
    ssl: z
      .union([
        z.boolean(),
        z
          .object({
            ca: z.string().optional(),
            /** A PEM file of the CAs to trust instead of the system's (KAFKA_SSL_CA_FILE); read at start. */
            caFile: z.string().min(1).optional(),
            cert: z.string().optional(),
            key: z.string().optional(),
            rejectUnauthorized: z.boolean().optional(),
          })
          .strict(),
      ])
      .optional(),
    sasl: z
      .object({
        mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
        username: z.string().min(1),
        password: z.string().min(1),
      })
      .strict()
      .optional(),
    connectionTimeoutMs: z.number().int().positive().optional(),
    requestTimeoutMs: z.number().int().positive().optional(),
  })
  .strict();
