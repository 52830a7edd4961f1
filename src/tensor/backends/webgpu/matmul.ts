import { notYet } from './placeholder.js';
export const matmul = notYet('matmul');
