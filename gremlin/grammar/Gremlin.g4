// Skydive's Gremlin dialect (spec §2.1-2.2). The grammar is deliberately permissive about names:
// steps, predicates and keywords are all IDENT tokens, matched case-insensitively by the AST
// builder, which also produces upstream's error messages (unknown step, OUTSIDE, missing G).
//
// Every decision is LL(1) (`param` is left-factored), so the parser never runs adaptivePredict.
// The AST is built by the actions below while the parser matches (no parse tree needed): each
// action is one call into the ParseEvents the caller installed (ADR 020).
grammar Gremlin;

@parser::header {
#include "front/parse_events.h"
}

@parser::members {
    skydive::gremlin::ParseEvents* events = nullptr;
}

query  : IDENT ( '.' step )* EOF ;
step   : name=IDENT { events->step($name); } '(' params ')' ;
// Commas are optional separators: the parameter loop skips them.
params : ( param | ',' )* ;
param  : s=STRING { events->stringParam($s); }
       | n=NUMBER { events->numberParam($n); }
       | i=IDENT { events->identParam($i); }
         ( '(' { events->openCall(); } params ')' { events->closeCall(); } )?
       ;

// A string starts with either quote and ends at the next quote of either kind (no escapes).
STRING : ['"] ~['"]* ['"] ;
NUMBER : [0-9] [0-9.]* ;
IDENT  : [a-zA-Z] [a-zA-Z0-9_]* ;
WS     : [ \t\n]+ -> skip ;
