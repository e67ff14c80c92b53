/* status.c - names of the status codes and the library version.
** Every module reports failure with a BL_E* code from byline.h; this file
** turns one into a message for people.
*/
#include "byline.h"

const char *bl_strerror(int rc)
{
    switch (rc) {
    case BL_OK:        return "ok";
    case BL_DONE:      return "done";
    case BL_ENOMEM:    return "out of memory";
    case BL_EIO:       return "input/output error";
    case BL_ECORRUPT:  return "corrupt data";
    case BL_EINVAL:    return "invalid argument";
    case BL_ENOTFOUND: return "not found";
    case BL_EFORMAT:   return "malformed input";
    case BL_EQUERY:    return "malformed query";
    case BL_EVERSION:  return "unsupported format version (written by another "
                              "version of byline: index the articles again)";
    case BL_ELIMIT:    return "limit exceeded";
    case BL_EBUSY:     return "index is locked by another writer";
    default:           return "unknown error";
    }
}

const char *bl_version(void)
{
    return "0.1.0";
}
