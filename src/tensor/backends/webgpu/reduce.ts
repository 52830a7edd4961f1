import { notYet } from './placeholder.js';
export const reduce = notYet('reduce');
