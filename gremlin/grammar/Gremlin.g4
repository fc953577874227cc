// Skydive's Gremlin dialect (spec §2.1-2.2). The grammar is deliberately permissive about names:
// steps, predicates and keywords are all IDENT tokens, matched case-insensitively by the AST
// builder, which also produces upstream's error messages (unknown step, OUTSIDE, missing G).
grammar Gremlin;

query  : IDENT ( '.' step )* EOF ;
step   : IDENT '(' params ')' ;
// Commas are optional separators: the parameter loop skips them.
params : ( param | ',' )* ;
param  : STRING                         # stringParam
       | NUMBER                         # numberParam
       | IDENT                          # keywordParam
       | IDENT '(' params ')'           # callParam
       ;

// A string starts with either quote and ends at the next quote of either kind (no escapes).
STRING : ['"] ~['"]* ['"] ;
NUMBER : [0-9] [0-9.]* ;
IDENT  : [a-zA-Z] [a-zA-Z0-9_]* ;
WS     : [ \t\n]+ -> skip ;
