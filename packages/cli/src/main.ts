#!/usr/bin/env node
import { hello } from "@dockerize-python/harness";
console.log(hello());
