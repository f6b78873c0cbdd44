// Who logs in to the ensemble with SASL: the super user, and the shape of every other user.

/** The super user's SASL name; its password is made by the program (a Pulumi secret). */
export const ADMIN_USER = "zkadmin";

/** A user of the ensemble: a JAAS option name (`user_<name>`) and a password a quoted JAAS value may hold. */
export interface ClientUser {
  name: string;
  password: string;
}
